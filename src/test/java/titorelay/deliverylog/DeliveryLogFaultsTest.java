package titorelay.deliverylog;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import titorelay.support.LogCapture;
import titorelay.support.TestRelay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static titorelay.support.TestRelay.await;
import static titorelay.support.TestRelay.uncheck;

/** The delivery log failing, full, or turned off: deliveries go on, and what it missed is counted. */
class DeliveryLogFaultsTest {

    @TempDir
    Path work;

    @AfterEach
    void releaseTheDatabase() {
        FaultyDatabaseTrigger.release.countDown();
        FaultyDatabaseTrigger.reset();
    }

    private static void sql(DeliveryLogView log, String statement) throws Exception {
        try (Connection connection = ((DeliveryLog) log).database().getConnection();
                Statement sql = connection.createStatement()) {
            sql.execute(statement);
        }
    }

    /** tito_delivery_log_dropped_total, as Prometheus reads it (a counter without labels). */
    private static double dropped(TestRelay relay) throws Exception {
        return relay.metrics().lines().filter(line -> line.startsWith("tito_delivery_log_dropped_total "))
                .mapToDouble(line -> Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)))
                .findFirst().orElseThrow(() -> new AssertionError("no tito_delivery_log_dropped_total"));
    }

    private static boolean sheetHolds(TestRelay relay, List<String> slugs) throws Exception {
        Path tickets = relay.dataDir().resolve("sheets/Tickets.csv");
        String sheet = Files.exists(tickets) ? Files.readString(tickets) : "";
        return slugs.stream().allMatch(slug -> sheet.contains(slug + ","));
    }

    private static List<String> sendTickets(TestRelay relay, String prefix, int count) throws Exception {
        List<String> references = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            String reference = prefix + i;
            references.add(reference);
            assertEquals(202, relay.send("ticket.updated", DeliveryLogTest.withSlug(reference)).status());
        }
        return references;
    }

    @Test
    void aStalledThenBrokenDatabaseDropsAndCountsEventsWhileEveryDeliveryReachesTheSheet() throws Exception {
        try (LogCapture output = new LogCapture();
                TestRelay relay = TestRelay.start(Files.createDirectories(work.resolve("data")),
                        Map.of("relay.delivery-log.queue-size", "4"))) {
            DeliveryLogView log = relay.camelContext().getRegistry()
                    .lookupByNameAndType("deliveryHistory", DeliveryLogView.class);
            FaultyDatabaseTrigger.release = new CountDownLatch(1);
            sql(log, "CREATE TRIGGER fault BEFORE INSERT ON delivery FOR EACH ROW CALL \""
                     + FaultyDatabaseTrigger.class.getName() + "\"");

            // The writer waits on the database (from the first line it writes): dispatch does not.
            List<String> stalled = new ArrayList<>(sendTickets(relay, "STALLED-A", 1));
            await("the writer held by the database", DeliveryLogTest.PATIENCE,
                    () -> FaultyDatabaseTrigger.stalled.get() == 1);
            stalled.addAll(sendTickets(relay, "STALLED-B", 12));
            await("every row in the sheet", DeliveryLogTest.PATIENCE, () -> uncheck(() -> sheetHolds(relay, stalled)));
            assertEquals(1, FaultyDatabaseTrigger.stalled.get(), "the writer is still held by the database");
            await("the drops counted", DeliveryLogTest.PATIENCE,
                    () -> uncheck(() -> dropped(relay) > 0));
            assertTrue(output.lines().stream().anyMatch(line -> line.contains("WARN")
                    && line.contains("The delivery log dropped events (its queue is full")), "said once");

            // Then it fails outright: the writer drops what it had, and goes on.
            FaultyDatabaseTrigger.fails = true;
            FaultyDatabaseTrigger.release.countDown();
            List<String> broken = sendTickets(relay, "BROKEN-", 3);
            await("every row in the sheet", DeliveryLogTest.PATIENCE, () -> uncheck(() -> sheetHolds(relay, broken)));
            await("the database to have failed", DeliveryLogTest.PATIENCE,
                    () -> FaultyDatabaseTrigger.failed.get() > 0);

            // Mended: the writer is still there, and logs what comes next.
            FaultyDatabaseTrigger.fails = false;
            sql(log, "DROP TRIGGER fault");
            // What the broken database was given is gone by now (each failed write is followed by a pause).
            await("the queue to empty", DeliveryLogTest.PATIENCE, () -> ((DeliveryLog) log).queued() == 0);
            double dropped = dropped(relay);
            sendTickets(relay, "MENDED-", 1);
            DeliveryLogTest.awaitLine(log, "MENDED-0", Outcome.DONE);
            assertEquals(dropped, dropped(relay), "nothing dropped since");
            assertEquals(0, log.count(new LogFilter(null, null, "BROKEN-")), "what the broken database lost");
            assertTrue(log.count(new LogFilter(null, null, "STALLED-")) < stalled.size(), "what the full queue lost");
            assertEquals(1, output.lines().stream().filter(line -> line.contains("The delivery log dropped events"))
                    .count(), "one warning a minute at most: " + dropped + " events dropped");
        }
    }

    @Test
    void turnedOffTheRelayWorksWithoutAnyDatabase() throws Exception {
        Path data = Files.createDirectories(work.resolve("data"));
        Set<Thread> threadsBefore = Thread.getAllStackTraces().keySet();
        try (TestRelay relay = TestRelay.start(data, Map.of("relay.delivery-log.enabled", "false"))) {
            List<String> sent = sendTickets(relay, "OFF-", 2);
            await("every row in the sheet", DeliveryLogTest.PATIENCE, () -> uncheck(() -> sheetHolds(relay, sent)));
            await("the inbox to drain", DeliveryLogTest.PATIENCE, () -> relay.inbox().isEmpty());
            DeliveryLogView log = relay.camelContext().getRegistry()
                    .lookupByNameAndType("deliveryHistory", DeliveryLogView.class);
            assertEquals(0, log.count(LogFilter.all()), "the console's view of it is empty");
            assertFalse(Files.exists(data.resolve("delivery-log")), "no database directory");
            assertTrue(Thread.getAllStackTraces().keySet().stream().filter(thread -> !threadsBefore.contains(thread))
                    .noneMatch(thread -> thread.getName().equals("delivery-log-writer")), "no writer thread");
            assertFalse(relay.metrics().contains("tito_delivery_log_dropped_total"), "nor its counter");
        }
    }
}
