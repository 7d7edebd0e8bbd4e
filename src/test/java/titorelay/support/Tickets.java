package titorelay.support;

import java.nio.charset.StandardCharsets;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** Ticket payloads made from Tito's reference ticket, each with its own slug, state and update time. */
public final class Tickets {

    private static final ObjectMapper JSON = new ObjectMapper();

    private Tickets() {
    }

    public static byte[] ticket(String slug, String state, String name, String updatedAt) {
        try {
            ObjectNode ticket = (ObjectNode) JSON.readTree(Samples.bytes("ticket-v3.1.json"));
            ticket.put("slug", slug);
            ticket.put("reference", "REF-" + slug);
            ticket.put("state_name", state);
            ticket.put("name", name);
            ticket.put("updated_at", updatedAt);
            return JSON.writeValueAsString(ticket).getBytes(StandardCharsets.UTF_8);
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
