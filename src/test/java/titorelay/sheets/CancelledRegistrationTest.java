package titorelay.sheets;

import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import titorelay.support.Samples;
import titorelay.support.TestRelay;
import titorelay.support.Tickets;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Tito's docs say cancelling a registration voids its tickets, and do not say that a ticket.voided follows for each:
 * on registration.cancelled, the Tickets rows of the registration's tickets read void, under the age rule.
 */
class CancelledRegistrationTest {

    /** registration-v3.1.json's own updated_at, "2022-03-26 07:59:13 UTC", as the sheet writes it. */
    private static final String CANCELLED_AT = "2022-03-26T07:59:13Z";

    @TempDir
    Path data;

    @Test
    void aCancelledRegistrationVoidsItsTicketsButNotANewerTicketState() throws Exception {
        JsonNode registration = new ObjectMapper().readTree(Samples.bytes("registration-v3.1.json"));
        List<JsonNode> tickets = List.of(registration.get("tickets").get(0), registration.get("tickets").get(1),
                registration.get("tickets").get(2), registration.get("tickets").get(3));
        String early = tickets.get(0).get("slug").asText();
        String changedAfter = tickets.get(1).get("slug").asText();
        String lateOlder = tickets.get(2).get("slug").asText();
        String unseen = tickets.get(3).get("slug").asText();

        try (TestRelay relay = TestRelay.start(data)) {
            send(relay, "ticket.completed", Tickets.ticket(early, "complete", "Early", "2022-03-26 07:40:00 UTC"));
            send(relay, "ticket.reassigned", Tickets.ticket(changedAfter, "complete", "After", "2022-03-26 08:30:00 UTC"));
            send(relay, "registration.cancelled", Samples.bytes("registration-v3.1.json"));
            // A delivery older than the cancellation, arriving after it (Tito's deliveries can come out of order).
            send(relay, "ticket.updated", Tickets.ticket(lateOlder, "complete", "Late", "2022-03-26 07:50:00 UTC"));
        }

        Map<String, Map<String, String>> rows = rowsBySlug(data.resolve("sheets/Tickets.csv"));
        assertEquals("void", rows.get(early).get("State"));
        assertEquals(CANCELLED_AT, rows.get(early).get("Updated at"), "voided as of the cancellation");
        assertEquals("Early", rows.get(early).get("Name"), "what the ticket said stays");
        assertEquals("complete", rows.get(changedAfter).get("State"), "changed after the cancellation: newer, kept");
        assertEquals("2022-03-26T08:30:00Z", rows.get(changedAfter).get("Updated at"));
        assertEquals("void", rows.get(lateOlder).get("State"), "an older delivery never puts an old state back");
        assertEquals(CANCELLED_AT, rows.get(lateOlder).get("Updated at"));

        Map<String, String> created = rows.get(unseen);
        assertEquals("void", created.get("State"), "a ticket the sheet had not seen gets its row");
        assertEquals(tickets.get(3).get("reference").asText(), created.get("Reference"));
        assertEquals(registration.get("slug").asText(), created.get("Registration"));
        assertEquals(registration.get("event").get("slug").asText(), created.get("Event"));
        assertEquals(tickets.get(3).get("release_title").asText(), created.get("Release"));
        assertEquals(registration.get("tickets").size(), rows.size(), "one row per ticket of the registration");
        assertEquals(5, rows.values().stream().filter(row -> "void".equals(row.get("State"))).count(),
                "every ticket of the registration but the one changed later reads void");

        Map<String, Map<String, String>> registrations = rowsBySlug(data.resolve("sheets/Registrations.csv"));
        assertEquals("cancelled", registrations.get(registration.get("slug").asText()).get("State"));
    }

    private static void send(TestRelay relay, String name, byte[] body) throws Exception {
        assertEquals(202, relay.send(name, body).status());
        TestRelay.await("dispatch of " + name, Duration.ofSeconds(30), () -> relay.inbox().isEmpty());
    }

    /** The CSV as a spreadsheet program reads it: each row by its Slug, each cell by its column's header. */
    static Map<String, Map<String, String>> rowsBySlug(Path file) throws Exception {
        Map<String, Map<String, String>> rows = new HashMap<>();
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            for (CSVRecord record : CSVFormat.RFC4180.builder().setHeader().setSkipHeaderRecord(true).build().parse(reader)) {
                rows.put(record.get("Slug"), record.toMap());
            }
        }
        return rows;
    }
}
