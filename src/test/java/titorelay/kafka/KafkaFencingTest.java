package titorelay.kafka;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import titorelay.dedupe.DatabaseServer;
import titorelay.sheets.SheetsEmulator;
import titorelay.support.KafkaBroker;
import titorelay.support.Observed;
import titorelay.support.RelayProcess;
import titorelay.support.TestRelay;
import titorelay.support.Tickets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static titorelay.support.TestRelay.await;

/**
 * One writer per spreadsheet, also when a relay is frozen: a relay stopped (SIGSTOP) past its session while it holds
 * a batch whose rows wait for the next write loses the partition to the other relay, which writes those rows; when
 * it goes on (SIGCONT), it does not write that batch, since it can no longer confirm that the partition is its own.
 * And giving a batch up loses nothing: a relay that could not confirm its partition (the broker away) dispatches the
 * batch again once it can.
 */
class KafkaFencingTest {

    private static final Duration PATIENCE = Duration.ofSeconds(40);
    private static final String SHEET = "fencing-sheet";
    private static final String TOPIC = "fencing";
    private static final int BATCH = 5;

    @RegisterExtension
    static final KafkaBroker broker = new KafkaBroker();

    @RegisterExtension
    final DatabaseServer database = new DatabaseServer();

    @TempDir
    Path work;

    @RegisterExtension
    final SinkServers sinks = new SinkServers(SHEET);

    @AfterEach
    void keepLogs() throws Exception {
        RelayProcess.keepLogs(work, "fencing-logs");
    }

    @Test
    void aRelayFrozenWhileItHoldsABatchWritesNoneOfItOnceItsPartitionWentToTheOther() throws Exception {
        broker.createTopic(TOPIC, 3);
        Map<String, String> settings = SharedRelaySettings.of(broker, TOPIC, database, sinks.google(), SHEET,
                sinks.smtpPort());
        // A write at most every 5 s: the batch's rows wait that long after the first write.
        settings.put("sheets.flush-interval-ms", "5000");
        RelayProcess first = RelayProcess.start(work.resolve("a"), "first", settings);
        try {
            holdABatch(first, BATCH);
            first.pause();
            assertEquals(List.of("ti_fence_first"), List.copyOf(rows(sinks.google()).keySet()),
                    "the frozen relay had not written the batch yet (if it had, the machine was too slow for 5 s)");

            try (RelayProcess second = RelayProcess.start(work.resolve("b"), "second", settings)) {
                await("the other relay's rows and every offset committed", PATIENCE,
                        () -> rows(sinks.google()).size() == BATCH + 2
                              && broker.committed(TOPIC, TOPIC) == broker.endOffsets(TOPIC));
                int writesBefore = sinks.google().writeRequests();

                first.resume();
                // The resumed relay's batch ends one way or the other (written, or given up): its dispatch exchanges
                // are more than the first write's.
                await("the resumed relay's batch ended", PATIENCE,
                        () -> TestRelay.uncheck(() -> TestRelay.counterIn(first.metrics(), "camel_exchanges_total",
                                "routeId=\"dispatch\"") > 1));
                assertEquals(202, second.send("fencing.sentinel", "{}".getBytes(StandardCharsets.UTF_8)).status());
                await("the sentinel dispatched and every offset committed", PATIENCE,
                        () -> TestRelay.uncheck(() -> first.metric("tito_webhooks_unrouted_total")
                                                      + second.metric("tito_webhooks_unrouted_total") == 1)
                              && broker.committed(TOPIC, TOPIC) == broker.endOffsets(TOPIC));

                assertEquals(writesBefore, sinks.google().writeRequests(),
                        "the resumed relay wrote nothing of its batch");
                Map<String, List<String>> expected = new TreeMap<>();
                expected.put("ti_fence_first", List.of("complete", "Fenced Person"));
                for (int n = 1; n <= BATCH; n++) {
                    expected.put("ti_fence_" + n, List.of("complete", "Fenced Person"));
                }
                expected.put("ti_fence_voided", List.of("void", "Fenced Person"));
                assertEquals(expected, rows(sinks.google()), "each row once");
                assertEquals(1, sinks.smtp().getReceivedMessages().length, "the email sent once");
                assertTrue(first.health().contains("UP"), first.health());
            }
        } finally {
            first.resume(); // never left frozen behind a failed test
            first.close();
        }
    }

    @Test
    void aRelayThatCannotConfirmItsPartitionGivesTheBatchUpAndDispatchesItAgainOnceItCan() throws Exception {
        String topic = "fencing-broker-away";
        broker.createTopic(topic, 3);
        Map<String, String> settings = SharedRelaySettings.of(broker, topic, database, sinks.google(), SHEET,
                sinks.smtpPort());
        settings.put("sheets.flush-interval-ms", "5000");
        try (RelayProcess relay = RelayProcess.start(work.resolve("a"), "only", settings)) {
            holdABatch(relay, 0);

            // The broker goes away before the batch's write: the relay cannot confirm its partition, and gives
            // the batch up rather than write it.
            broker.stopBroker();
            try {
                await("the batch given up", PATIENCE, () -> TestRelay.uncheck(() -> TestRelay.counterIn(
                        relay.metrics(), "camel_exchanges_failed_total", "routeId=\"dispatch\"") >= 1));
                assertEquals(List.of("ti_fence_first"), List.copyOf(rows(sinks.google()).keySet()), "not written");
            } finally {
                broker.startBroker();
            }

            // Back: the same relay dispatches the batch again (the email is not sent again) and writes its row.
            assertEquals(202, relay.send("fencing.sentinel", "{}".getBytes(StandardCharsets.UTF_8)).status());
            await("the sentinel dispatched and every offset committed", PATIENCE,
                    () -> TestRelay.uncheck(() -> relay.metric("tito_webhooks_unrouted_total") == 1)
                          && broker.committed(topic, topic) == broker.endOffsets(topic));
            assertEquals(Map.of("ti_fence_first", List.of("complete", "Fenced Person"),
                    "ti_fence_voided", List.of("void", "Fenced Person")), rows(sinks.google()));
            assertEquals(1, sinks.smtp().getReceivedMessages().length, "the email sent once");
        }
    }

    /**
     * A first row written, then a batch taken whose rows wait for the next write (a flush interval later): a voided
     * ticket, whose email goes out before its row waits and says that the batch was taken, and {@code tickets} more
     * (in the same batch or the next, which waits for this one). The email is awaited until the relay recorded it as
     * sent, not only until the SMTP server has it: a relay frozen between the two would send it again once its
     * partition moved, which is the one repeat SMTP allows, not what this test is about.
     */
    private void holdABatch(RelayProcess relay, int tickets) throws Exception {
        assertEquals(202, relay.send("ticket.updated", ticket("ti_fence_first")).status());
        await("the first write", PATIENCE, () -> rows(sinks.google()).containsKey("ti_fence_first"));
        assertEquals(202, relay.send("ticket.voided", ticket("ti_fence_voided")).status());
        for (int n = 1; n <= tickets; n++) {
            assertEquals(202, relay.send("ticket.updated", ticket("ti_fence_" + n)).status());
        }
        await("the batch taken (its email sent, and recorded as sent)", PATIENCE,
                () -> sinks.smtp().getReceivedMessages().length == 1 && database.keys("organizer-email").size() == 1);
    }

    private static byte[] ticket(String slug) {
        return Tickets.ticket(slug, slug.endsWith("voided") ? "void" : "complete", "Fenced Person",
                "2022-03-26 08:00:00 UTC");
    }

    private static Map<String, List<String>> rows(SheetsEmulator google) {
        return Observed.ticketsIn(Observed.gridOrEmpty(google, SHEET, "Tickets"));
    }
}
