package titorelay.support;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import titorelay.support.TitoSender.Delivery;

/**
 * A seeded mix of deliveries as an event's webhooks would come, shuffled, with what the sheet and the organizers'
 * inbox must show afterwards (compared with what {@link Observed} reads): each ticket updated twice (some then voided), each registration finished then
 * cancelled, and some deliveries sent twice.
 */
public final class Scenario {

    private static final ObjectMapper JSON = new ObjectMapper();

    public final List<Delivery> deliveries = new ArrayList<>();
    /** Tickets tab: slug → [State, Name]. */
    public final Map<String, List<String>> tickets = new TreeMap<>();
    /** Registrations tab: slug → State. */
    public final Map<String, String> registrations = new TreeMap<>();
    /** registration-v3.1.json lists six tickets. */
    private static final int TICKETS_PER_REGISTRATION = 6;
    /** Message-IDs of the emails the organizers must receive, once each. */
    public final List<String> emailed = new ArrayList<>();

    public Scenario(long seed, int ticketCount, int voided, int registrationCount, int repeats) {
        Random random = new Random(seed);
        for (int i = 0; i < ticketCount; i++) {
            String slug = "ti_s" + i;
            add("ticket.updated", Tickets.ticket(slug, "incomplete", "First " + i, "2022-03-26 08:00:00 UTC"));
            add("ticket.updated", Tickets.ticket(slug, "complete", "Second " + i, "2022-03-26 09:00:00 UTC"));
            tickets.put(slug, List.of("complete", "Second " + i));
            if (i < voided) {
                emailed.add(add("ticket.voided", Tickets.ticket(slug, "void", "Voided " + i, "2022-03-26T10:00:00.000Z")));
                tickets.put(slug, List.of("void", "Voided " + i));
            }
        }
        for (int i = 0; i < registrationCount; i++) {
            String slug = "reg_s" + i;
            add("registration.finished", registration(slug, "R" + i, "2022-03-26 08:00:00 UTC"));
            emailed.add(add("registration.cancelled", registration(slug, "R" + i, "2022-03-26 09:00:00 UTC")));
            registrations.put(slug, "cancelled");
            // Cancelling a registration voids its tickets (their rows are made from the registration's list).
            for (int t = 0; t < TICKETS_PER_REGISTRATION; t++) {
                tickets.put(slug + "_t" + t, List.of("void", "Holder " + t + " of " + slug));
            }
        }
        List<Delivery> originals = new ArrayList<>(deliveries);
        for (int i = 0; i < repeats; i++) {
            deliveries.add(originals.get(random.nextInt(originals.size())));
        }
        Collections.shuffle(deliveries, random);
    }

    /** Adds a delivery; returns the Message-ID of its email, should its name email the organizers. */
    private String add(String name, byte[] body) {
        deliveries.add(new Delivery(name, body));
        return DeliveryKeys.messageId(name, body);
    }

    private static byte[] registration(String slug, String reference, String updatedAt) {
        try {
            ObjectNode registration = (ObjectNode) JSON.readTree(Samples.bytes("registration-v3.1.json"));
            registration.put("slug", slug);
            registration.put("reference", reference);
            registration.put("updated_at", updatedAt);
            // The sample's six tickets, as this registration's own.
            for (int t = 0; t < TICKETS_PER_REGISTRATION; t++) {
                ((ObjectNode) registration.get("tickets").get(t)).put("slug", slug + "_t" + t)
                        .put("name", "Holder " + t + " of " + slug);
            }
            return JSON.writeValueAsBytes(registration);
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
