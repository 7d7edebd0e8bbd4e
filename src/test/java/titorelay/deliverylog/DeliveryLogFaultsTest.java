package titorelay.deliverylog;

import java.nio.file.Files;
import java.nio.file.Path;
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

    private final FaultyStore fault = new FaultyStore();

    @AfterEach
    void releaseTheStore() {
        fault.release.countDown();
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
    void aStalledThenBrokenStoreDropsAndCountsEventsWhileEveryDeliveryReachesTheSheet() throws Exception {
        try (LogCapture output = new LogCapture();
                TestRelay relay = TestRelay.start(Files.createDirectories(work.resolve("data")),
                        Map.of("relay.delivery-log.queue-size", "4"))) {
            DeliveryLogView log = relay.camelContext().getRegistry()
                    .lookupByNameAndType("deliveryHistory", DeliveryLogView.class);
            fault.release = new CountDownLatch(1);
            ((DeliveryLog) log).store().faultBeforeEachNewLine(fault);

            // The writer waits on the store (from the first line it writes): dispatch does not.
            List<String> stalled = new ArrayList<>(sendTickets(relay, "STALLED-A", 1));
            await("the writer held by the store", DeliveryLogTest.PATIENCE,
                    () -> fault.stalled.get() == 1);
            stalled.addAll(sendTickets(relay, "STALLED-B", 12));
            await("every row in the sheet", DeliveryLogTest.PATIENCE, () -> uncheck(() -> sheetHolds(relay, stalled)));
            assertEquals(1, fault.stalled.get(), "the writer is still held by the store");
            await("the drops counted", DeliveryLogTest.PATIENCE,
                    () -> uncheck(() -> dropped(relay) > 0));
            assertTrue(output.lines().stream().anyMatch(line -> line.contains("WARN")
                    && line.contains("The delivery log dropped events (its queue is full")), "said once");

            // Then it fails outright: the writer drops what it had, and goes on.
            fault.fails = true;
            fault.release.countDown();
            List<String> broken = sendTickets(relay, "BROKEN-", 3);
            await("every row in the sheet", DeliveryLogTest.PATIENCE, () -> uncheck(() -> sheetHolds(relay, broken)));
            await("the store to have failed", DeliveryLogTest.PATIENCE,
                    () -> fault.failed.get() > 0);
            // Everything the broken store was given is written or dropped (each failed write is followed by a pause).
            await("the writer to have settled", DeliveryLogTest.PATIENCE, () -> ((DeliveryLog) log).settled());

            // Mended: the writer is still there, and logs what comes next.
            fault.fails = false;
            ((DeliveryLog) log).store().faultBeforeEachNewLine(null);
            double dropped = dropped(relay);
            sendTickets(relay, "MENDED-", 1);
            DeliveryLogTest.awaitLine(log, "MENDED-0", Outcome.DONE);
            assertEquals(dropped, dropped(relay), "nothing dropped since");
            assertEquals(0, log.count(new LogFilter(null, null, "BROKEN-")), "what the broken store lost");
            assertTrue(log.count(new LogFilter(null, null, "STALLED-")) < stalled.size(), "what the full queue lost");
            assertEquals(1, output.lines().stream().filter(line -> line.contains("The delivery log dropped events"))
                    .count(), "one warning a minute at most: " + dropped + " events dropped");
        }
    }

    @Test
    void turnedOffTheRelayWorksWithoutAnyStore() throws Exception {
        Path data = Files.createDirectories(work.resolve("data"));
        Set<Thread> threadsBefore = Thread.getAllStackTraces().keySet();
        try (TestRelay relay = TestRelay.start(data, Map.of("relay.delivery-log.enabled", "false"))) {
            List<String> sent = sendTickets(relay, "OFF-", 2);
            await("every row in the sheet", DeliveryLogTest.PATIENCE, () -> uncheck(() -> sheetHolds(relay, sent)));
            await("the inbox to drain", DeliveryLogTest.PATIENCE, () -> relay.inbox().isEmpty());
            DeliveryLogView log = relay.camelContext().getRegistry()
                    .lookupByNameAndType("deliveryHistory", DeliveryLogView.class);
            assertEquals(0, log.count(LogFilter.all()), "the console's view of it is empty");
            assertFalse(Files.exists(data.resolve("delivery-log")), "no delivery log directory");
            assertTrue(Thread.getAllStackTraces().keySet().stream().filter(thread -> !threadsBefore.contains(thread))
                    .noneMatch(thread -> thread.getName().equals("delivery-log-writer")), "no writer thread");
            assertFalse(relay.metrics().contains("tito_delivery_log_dropped_total"), "nor its counter");
        }
    }
}
