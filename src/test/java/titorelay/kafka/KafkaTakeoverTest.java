package titorelay.kafka;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import titorelay.dedupe.DatabaseServer;
import titorelay.support.DeliveryKeys;
import titorelay.support.KafkaBroker;
import titorelay.support.Observed;
import titorelay.support.RelayProcess;
import titorelay.support.Samples;
import titorelay.support.TestRelay;
import titorelay.support.Tickets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static titorelay.support.TestRelay.await;

/**
 * Two relays on one inbox topic, one taking over the other's partition: what the first had done of a batch it never
 * committed is dropped by the second as repeats, through the dedupe database they share (the delivery, and its
 * email); and a relay that gets a partition back after another had it writes the spreadsheet from what the sheet
 * holds now, not from what it had read before.
 */
class KafkaTakeoverTest {

    private static final Duration PATIENCE = Duration.ofSeconds(40);
    private static final String SHEET = "takeover-sheet";
    private static final ObjectMapper JSON = new ObjectMapper();

    @RegisterExtension
    static final KafkaBroker broker = KafkaBroker.shared();

    @RegisterExtension
    final DatabaseServer database = new DatabaseServer();

    @TempDir
    Path work;

    @RegisterExtension
    final SinkServers sinks = new SinkServers(SHEET);

    @Test
    void aRelayTakingOverAKilledOnesBatchDropsWhatItHadDoneAsRepeats() throws Exception {
        String topic = "takeover-killed";
        broker.createTopic(topic, 3);
        byte[] cancelled = registration("reg_takeover");
        byte[] ticket = Tickets.ticket("ti_takeover", "complete", "Takeover Person", "2022-03-26 08:00:00 UTC");
        byte[] unrouted = "{\"no\":\"sink\"}".getBytes(StandardCharsets.UTF_8);
        // Stored while no relay dispatches, so that the first relay to dispatch takes all three in one batch.
        try (RelayProcess storing = RelayProcess.start(work.resolve("a"), "storing",
                settings(topic, Map.of("relay.dispatch.auto-start", "false")))) {
            assertEquals(202, storing.send("registration.cancelled", cancelled).status());
            assertEquals(202, storing.send("ticket.updated", ticket).status());
            assertEquals(202, storing.send("takeover.unrouted", unrouted).status());
        }

        // The first relay: the sheet refuses it (403), so the batch waits for retries; meanwhile the email went out
        // and the unrouted delivery is done, both recorded in the shared database, and nothing is committed.
        sinks.google().denyAccess(SHEET, true);
        try (RelayProcess first = RelayProcess.start(work.resolve("a"), "first", settings(topic, Map.of()))) {
            await("the email, the unrouted delivery done, and the sheet refusing", PATIENCE,
                    () -> sinks.smtp().getReceivedMessages().length == 1
                          && database.keys("dispatch").contains(DeliveryKeys.key("takeover.unrouted", unrouted))
                          && sinks.google().answered(403) > 0);
            assertEquals(0, committed(topic), "nothing committed: the batch is not done");
            assertEquals(RelayProcess.KILLED_BY_SIGKILL, first.kill());
        }
        sinks.google().denyAccess(SHEET, false);

        // The second relay gets the partition once the first's session ended, and dispatches the whole batch again.
        try (RelayProcess second = RelayProcess.start(work.resolve("b"), "second", settings(topic, Map.of()))) {
            await("every offset committed", PATIENCE, () -> committed(topic) == endOffsets(topic));
            assertEquals(1.0, second.metric("tito_webhooks_duplicates_total"), "the unrouted delivery was a repeat");
            assertEquals(0.0, second.metric("tito_webhooks_unrouted_total"), "and not dispatched again");
            assertEquals(1, sinks.smtp().getReceivedMessages().length, "the email was not sent again");
            assertEquals(Map.of("ti_takeover", List.of("complete", "Takeover Person")),
                    withoutRegistrationTickets(Observed.ticketsIn(sinks.google().grid(SHEET, "Tickets"))));
            assertEquals(Map.of("reg_takeover", "cancelled"),
                    Observed.registrationsIn(sinks.google().grid(SHEET, "Registrations")));
        }
    }

    @Test
    void aRelayThatGetsItsPartitionBackWritesFromTheSheetAsItIsNow() throws Exception {
        String topic = "takeover-back";
        broker.createTopic(topic, 3);
        Map<String, String> settings = settings(topic, Map.of());
        RelayProcess first = RelayProcess.start(work.resolve("a"), "first", settings);
        try {
            assertEquals(202, first.send("ticket.updated", ticketAt("incomplete", "First", "08:00")).status());
            await("the first relay's row", PATIENCE, () -> ticketRow().equals(List.of("incomplete", "First")));

            // Frozen past its session: the second relay gets the partition and writes a newer state of the ticket.
            first.pause();
            try (RelayProcess second = RelayProcess.start(work.resolve("b"), "second", settings)) {
                assertEquals(202, second.send("ticket.updated", ticketAt("complete", "Second", "09:00")).status());
                await("the second relay's newer row", PATIENCE, () -> ticketRow().equals(List.of("complete", "Second")));
                second.terminate(PATIENCE);
            } finally {
                first.resume();
            }

            // The first relay has the partition again, and a late delivery older than the row arrives.
            assertEquals(202, first.send("ticket.updated", ticketAt("incomplete", "Late", "08:30")).status());
            assertEquals(202, first.send("takeover.sentinel", "{}".getBytes(StandardCharsets.UTF_8)).status());
            await("the sentinel dispatched and every offset committed", PATIENCE,
                    () -> TestRelay.uncheck(() -> first.metric("tito_webhooks_unrouted_total") == 1)
                          && committed(topic) == endOffsets(topic));
            assertEquals(List.of("complete", "Second"), ticketRow(), "the older delivery did not put an old state back");
        } finally {
            first.close();
        }
    }

    private Map<String, String> settings(String topic, Map<String, String> more) {
        Map<String, String> settings = SharedRelaySettings.of(broker, topic, database, sinks.google(), SHEET,
                sinks.smtpPort());
        settings.put("relay.dispatch.redelivery-delay-ms", "1000");
        settings.putAll(more);
        return settings;
    }

    private static byte[] ticketAt(String state, String name, String hour) {
        return Tickets.ticket("ti_back", state, name, "2022-03-26 " + hour + ":00 UTC");
    }

    /** The [State, Name] of ti_back's row; a duplicate row shows as such. */
    private List<String> ticketRow() {
        return Observed.ticketsIn(Observed.gridOrEmpty(sinks.google(), SHEET, "Tickets"))
                .getOrDefault("ti_back", List.of());
    }

    private static byte[] registration(String slug) throws Exception {
        ObjectNode registration = (ObjectNode) JSON.readTree(Samples.bytes("registration-v3.1.json"));
        return JSON.writeValueAsBytes(registration.put("slug", slug));
    }

    /** The Tickets tab without the rows that a registration's own tickets make. */
    private static Map<String, List<String>> withoutRegistrationTickets(Map<String, List<String>> tickets) {
        Map<String, List<String>> own = new HashMap<>(tickets);
        own.keySet().removeIf(slug -> !slug.startsWith("ti_takeover"));
        return own;
    }

    private static long committed(String topic) {
        return broker.committed(topic, topic);
    }

    private static long endOffsets(String topic) {
        return broker.endOffsets(topic);
    }
}
