package titorelay;

import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.camel.Exchange;

/**
 * A webhook's JSON as the sinks read it. Dispatch parses each delivery once, into a tree; a record of Tito's Admin
 * API (routes/tito-api.yaml) arrives as a map and is turned into the same tree.
 */
public final class WebhookPayload {

    private static final ObjectMapper JSON = new ObjectMapper();

    private WebhookPayload() {
    }

    public static JsonNode of(Exchange exchange) {
        Object body = exchange.getMessage().getBody();
        return body instanceof JsonNode tree ? tree : JSON.valueToTree(exchange.getMessage().getBody(Map.class));
    }
}
