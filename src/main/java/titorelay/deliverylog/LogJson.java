package titorelay.deliverylog;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.Map;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;

/** The envelope's fields and the sheet row, kept as JSON objects of strings in the log's tables. */
final class LogJson {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final TypeReference<Map<String, String>> FIELDS = new TypeReference<>() {
    };

    private LogJson() {
    }

    static String write(Map<String, String> fields) {
        try {
            return JSON.writeValueAsString(fields);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * The cells of {@code first}, then those of {@code then} whose key {@code first} has not: as {@link #write} of
     * both merged, without making the merged map (one row a delivery, on the writer's thread).
     */
    static String write(Map<String, String> first, Map<String, String> then) {
        StringWriter out = new StringWriter(512);
        try (JsonGenerator json = JSON.getFactory().createGenerator(out)) {
            json.writeStartObject();
            for (Map.Entry<String, String> cell : first.entrySet()) {
                json.writeStringField(cell.getKey(), cell.getValue());
            }
            for (Map.Entry<String, String> cell : then.entrySet()) {
                if (!first.containsKey(cell.getKey())) {
                    json.writeStringField(cell.getKey(), cell.getValue());
                }
            }
            json.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString();
    }

    static Map<String, String> read(String json) {
        if (json == null || json.isBlank()) {
            return Map.of();
        }
        try {
            return JSON.readValue(json, FIELDS);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("unreadable fields in the delivery log: " + e.getOriginalMessage(), e);
        }
    }
}
