package titorelay.deliverylog;

import java.io.IOException;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;

/**
 * The reference, name, email and slug of a webhook's JSON: top-level fields in Tito's tickets, registrations and
 * check-ins alike (the name made of first_name and last_name when there is no name). Read with a streaming parser
 * that skips everything else, on the log's writer thread. Absent fields are empty; a body that is not a JSON object
 * has none.
 */
record PayloadFacts(String reference, String name, String email, String slug) {

    private static final JsonFactory JSON = new JsonFactory();
    static final PayloadFacts NONE = new PayloadFacts("", "", "", "");

    static PayloadFacts of(byte[] body) {
        if (body == null) {
            return NONE;
        }
        String reference = "";
        String name = "";
        String firstName = "";
        String lastName = "";
        String email = "";
        String slug = "";
        try (JsonParser parser = JSON.createParser(body)) {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                return NONE;
            }
            while (parser.nextToken() == JsonToken.FIELD_NAME) {
                String field = parser.currentName();
                JsonToken value = parser.nextToken();
                if (value.isStructStart()) {
                    parser.skipChildren();
                    continue;
                }
                switch (field) {
                    case "reference" -> reference = text(parser, value);
                    case "name" -> name = text(parser, value);
                    case "first_name" -> firstName = text(parser, value);
                    case "last_name" -> lastName = text(parser, value);
                    case "email" -> email = text(parser, value);
                    case "slug" -> slug = text(parser, value);
                    // The other fields' values are never made into strings.
                    default -> { }
                }
            }
        } catch (IOException | RuntimeException notJson) {
            // whatever was read before the error stays
        }
        if (name.isBlank()) {
            name = (firstName + " " + lastName).strip();
        }
        return new PayloadFacts(reference, name, email, slug);
    }

    private static String text(JsonParser parser, JsonToken value) throws IOException {
        return value.isScalarValue() && value != JsonToken.VALUE_NULL ? parser.getText() : "";
    }
}
