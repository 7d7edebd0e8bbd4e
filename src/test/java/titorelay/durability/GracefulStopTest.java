package titorelay.durability;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import titorelay.sheets.SheetsEmulator;
import titorelay.inbox.InboxJournal;
import titorelay.support.Observed;
import titorelay.support.RelayProcess;
import titorelay.support.TestRelay;
import titorelay.support.Tickets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** SIGTERM: in-flight requests finish, pending rows are flushed, and the relay exits within a bounded time. */
class GracefulStopTest {

    @TempDir
    Path work;

    /** Longer than the whole test: after the first write (made at once), only the stop can write rows. */
    private static final String NO_FLUSH_BEFORE_THE_STOP_MS = "600000";

    @Test
    void sigtermFlushesPendingRowsAndExitsInBoundedTime() throws Exception {
        try (SheetsEmulator google = SheetsEmulator.start()) {
            google.createSpreadsheet("stop-sheet");
            Map<String, String> settings = new HashMap<>(Map.of(
                    "sheets.spreadsheet-id", "stop-sheet",
                    "sheets.root-url", google.rootUrl(),
                    "sheets.access-token", "emulator"));
            Map<String, String> firstRun = new HashMap<>(settings);
            firstRun.put("sheets.flush-interval-ms", NO_FLUSH_BEFORE_THE_STOP_MS);
            Path dataDir = work.resolve("data");
            RelayProcess relay = RelayProcess.start(dataDir, "run", firstRun);

            Map<String, List<String>> expected = new java.util.TreeMap<>();
            List<byte[]> bodies = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                bodies.add(Tickets.ticket("ti_stop_" + i, "complete", "Person " + i, "2022-03-26 08:00:00 UTC"));
            }
            // The stop must find rows pending: the first delivery is written at once, alone; the ones sent after its
            // row is in the sheet wait for the next flush, which only the stop brings.
            List<Future<Integer>> answers = new ArrayList<>();
            answers.add(java.util.concurrent.CompletableFuture.completedFuture(
                    relay.send("ticket.updated", bodies.get(0)).status()));
            TestRelay.await("the first write", Duration.ofSeconds(60), () -> ticketsIn(google).size() == 1);
            ExecutorService senders = Executors.newFixedThreadPool(8);
            for (byte[] body : bodies.subList(1, bodies.size())) {
                answers.add(senders.submit(() -> relay.send("ticket.updated", body).status()));
            }
            TestRelay.await("rows waiting for the next write", Duration.ofSeconds(60),
                    () -> TestRelay.uncheck(() -> relay.metric("tito_dispatch_in_flight") > 0));
            int rowsBeforeTheStop = ticketsIn(google).size();
            Duration stopping = relay.terminate(Duration.ofSeconds(40));
            senders.shutdown();
            int acknowledged = 0;
            for (int i = 0; i < answers.size(); i++) {
                try {
                    if (answers.get(i).get() == 202) {
                        acknowledged++;
                        expected.put("ti_stop_" + i, List.of("complete", "Person " + i));
                    }
                } catch (java.util.concurrent.ExecutionException refusedAfterStop) {
                    // a connection refused once the relay stopped listening: Tito sends it again later
                }
            }
            System.out.printf("GracefulStopTest: %d acknowledged, %d rows in the sheet when stopped, stopped in %d ms%n",
                    acknowledged, rowsBeforeTheStop, stopping.toMillis());
            assertTrue(acknowledged > 0);
            assertTrue(stopping.compareTo(Duration.ofSeconds(30)) < 0, "bounded: " + stopping);

            // What was dispatched when the stop came is in the sheet (its pending rows were flushed); what was not
            // yet dispatched is still in the inbox, and the next start dispatches it. Nothing acknowledged is lost.
            Map<String, List<String>> flushed = ticketsIn(google);
            long waiting = InboxJournal.waitingIn(dataDir.resolve("inbox-journal")).size();
            System.out.printf("GracefulStopTest: %d rows flushed before exit, %d deliveries left in the inbox%n",
                    flushed.size(), waiting);
            assertTrue(flushed.size() > rowsBeforeTheStop,
                    "the stop wrote the pending rows: " + rowsBeforeTheStop + " before, " + flushed.size() + " after");
            assertTrue(flushed.size() + waiting >= acknowledged, "acknowledged = in the sheet or in the inbox");
            assertTrue(relay.logLines().stream().noneMatch(l -> l.contains(" ERROR ")), "a clean stop logs no error");

            try (RelayProcess again = RelayProcess.start(dataDir, "again", settings)) {
                TestRelay.await("the rest to be dispatched", Duration.ofSeconds(60), () ->
                        ticketsIn(google).keySet().containsAll(expected.keySet()));
            }
            Map<String, List<String>> inSheet = ticketsIn(google);
            for (Map.Entry<String, List<String>> row : expected.entrySet()) {
                assertEquals(row.getValue(), inSheet.get(row.getKey()));
            }
        }
    }

    @Test
    void aRelayWhoseCamelStopsByItselfEndsItsJvm() throws Exception {
        // As mvn package runs the relay to make its class-data archive, which is written only when the JVM ends.
        try (RelayProcess relay = RelayProcess.start(work.resolve("data"), "timed",
                Map.of("camel.main.duration-max-seconds", "3"))) {
            assertEquals(0, relay.awaitExit(Duration.ofSeconds(60)), "ended by itself, with status 0");
            assertTrue(relay.logLines().stream().anyMatch(l -> l.contains("Duration max seconds triggering shutdown")),
                    "it was Camel's own stop");
        }
    }

    private static Map<String, List<String>> ticketsIn(SheetsEmulator google) {
        return Observed.ticketsIn(Observed.gridOrEmpty(google, "stop-sheet", "Tickets"));
    }
}
