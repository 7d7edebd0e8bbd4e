package titorelay.deliverylog;

import java.io.IOException;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The reference, name, email and slug of a webhook's JSON: top-level fields in Tito's tickets, registrations and
 * check-ins alike (the name made of first_name and last_name when there is no name). Taken from the tree dispatch
 * parses anyway ({@code deliveryLogPayloadParsed}); read from the body only for a line written before that tree was
 * made (a repeat dropped before the parse) or whose facts were dropped. Absent fields, and values that are not text
 * or numbers, are empty; a body that is not a JSON object has none.
 */
record PayloadFacts(String reference, String name, String email, String slug) {

    private static final ObjectMapper JSON = new ObjectMapper();
    static final PayloadFacts NONE = new PayloadFacts("", "", "", "");

    static PayloadFacts of(JsonNode payload) {
        if (payload == null || !payload.isObject()) {
            return NONE;
        }
        String name = text(payload, "name");
        if (name.isBlank()) {
            name = (text(payload, "first_name") + " " + text(payload, "last_name")).strip();
        }
        return new PayloadFacts(text(payload, "reference"), name, text(payload, "email"), text(payload, "slug"));
    }

    static PayloadFacts of(byte[] body) {
        if (body == null || body.length == 0) {
            return NONE;
        }
        try {
            return of(JSON.readTree(body));
        } catch (IOException | RuntimeException notJson) {
            return NONE;
        }
    }

    private static String text(JsonNode payload, String field) {
        JsonNode value = payload.get(field);
        return value != null && value.isValueNode() && !value.isNull() ? value.asText() : "";
    }
}
