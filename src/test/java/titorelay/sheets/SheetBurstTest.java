package titorelay.sheets;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import titorelay.support.Observed;
import titorelay.support.TestRelay;
import titorelay.support.Tickets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * 5,000 ticket webhooks in a burst through the HTTP ingress (some tickets updated twice): the sheet ends exactly
 * right, and Google's write quota is respected by construction: never more than one write per flush interval.
 */
@Tag("alone") // runs by itself, after the other tests: it measures the time between writes
class SheetBurstTest {

    private static final int TICKETS = 5_000;
    private static final long FLUSH_INTERVAL_MS = 1_000;
    /** How much later than the relay sent it a write may arrive at the emulator on a loaded machine. */
    private static final long ARRIVAL_JITTER_MS = 250;

    @TempDir
    Path work;

    @Test
    void aBurstEndsExactlyRightInOneWritePerFlushInterval() throws Exception {
        try (SheetsEmulator google = SheetsEmulator.start()) {
            google.createSpreadsheet("tito-test-sheet");
            Map<String, String> settings = new HashMap<>(SpreadsheetTest.googleSettings(google));
            settings.put("sheets.flush-interval-ms", String.valueOf(FLUSH_INTERVAL_MS));
            try (TestRelay relay = TestRelay.start(work.resolve("data"), settings)) {
                // Every seventh ticket is updated a second time, later, with a newer state.
                List<byte[]> bodies = new ArrayList<>();
                Map<String, String> expectedName = new HashMap<>();
                for (int i = 0; i < TICKETS; i++) {
                    String slug = "ti_burst_" + i;
                    bodies.add(Tickets.ticket(slug, "incomplete", "First " + i, "2022-03-26 08:00:00 UTC"));
                    expectedName.put(slug, "First " + i);
                }
                for (int i = 0; i < TICKETS; i += 7) {
                    String slug = "ti_burst_" + i;
                    bodies.add(Tickets.ticket(slug, "complete", "Second " + i, "2022-03-26 09:00:00 UTC"));
                    expectedName.put(slug, "Second " + i);
                }

                long start = System.nanoTime();
                sendConcurrently(relay, bodies);
                System.out.printf("Burst: all %d acknowledged after %d ms%n", bodies.size(), (System.nanoTime() - start) / 1_000_000);
                TestRelay.await("all rows written", Duration.ofSeconds(120), () -> {
                    List<List<String>> grid = Observed.gridOrEmpty(google, "tito-test-sheet", "Tickets");
                    return grid.size() == TICKETS + 1 && relay.inbox().isEmpty() && secondUpdatesVisible(grid);
                });
                long elapsedMs = (System.nanoTime() - start) / 1_000_000;

                List<List<String>> grid = google.grid("tito-test-sheet", "Tickets");
                Map<String, String> actualName = new HashMap<>();
                for (List<String> row : grid.subList(1, grid.size())) {
                    assertTrue(actualName.put(row.get(0), row.get(3)) == null, "one row per ticket: " + row.get(0));
                }
                assertEquals(expectedName, actualName);
                System.out.printf("Burst: %d webhooks, %d rows, %d write requests in %d ms%n",
                        bodies.size(), TICKETS, google.writeRequests(), elapsedMs);
                // Google's quota rule: a flush interval between two writes (less what the way to the emulator may
                // shift one arrival against the next). How few writes a burst takes is measured by the benchmark.
                List<Long> writes = google.writeArrivals();
                assertTrue(writes.size() >= 2, "the burst took several writes: " + writes.size());
                for (int i = 1; i < writes.size(); i++) {
                    long gapMs = (writes.get(i) - writes.get(i - 1)) / 1_000_000;
                    assertTrue(gapMs >= FLUSH_INTERVAL_MS - ARRIVAL_JITTER_MS,
                            "writes " + i + " and " + (i + 1) + " of " + writes.size() + " only " + gapMs + " ms apart");
                }
            }
        }
    }

    private static boolean secondUpdatesVisible(List<List<String>> grid) {
        return grid.stream().skip(1).filter(r -> r.get(3).startsWith("Second ")).count() == (TICKETS + 6) / 7;
    }

    private static void sendConcurrently(TestRelay relay, List<byte[]> bodies) throws Exception {
        ExecutorService senders = Executors.newFixedThreadPool(16);
        try {
            List<Future<Integer>> answers = new ArrayList<>();
            // The second updates go last, so that each is newer than what the sheet has by then.
            for (byte[] body : bodies) {
                answers.add(senders.submit(() -> relay.send("ticket.updated", body).status()));
            }
            for (Future<Integer> answer : answers) {
                assertEquals(202, answer.get());
            }
        } finally {
            senders.shutdownNow();
        }
        assertTrue(new String(bodies.get(0), StandardCharsets.UTF_8).contains("ti_burst_0"));
    }
}
