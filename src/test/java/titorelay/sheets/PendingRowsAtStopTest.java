package titorelay.sheets;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import titorelay.support.LogCapture;
import titorelay.support.TestRelay;
import titorelay.support.Tickets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Rows still waiting for their flush when the relay stops are written to Google before it exits, even when the stop
 * brings the sink's first write (the google-sheets endpoint of each API call is made on that call's first use).
 */
class PendingRowsAtStopTest {

    private static final String SPREADSHEET = "stop-flush-sheet";

    @TempDir
    Path work;

    @Test
    void rowsPendingAtStopAreWrittenBeforeExit() throws Exception {
        try (SheetsEmulator google = SheetsEmulator.start()) {
            google.createSpreadsheet(SPREADSHEET);
            TestRelay relay = TestRelay.start(work.resolve("data"), settings(google));
            try {
                firstRowWritten(relay, google);
                fiveRowsPending(relay);
                assertEquals(List.of("ti_first"), slugs(google), "no row but the first was written before the stop: " + google.requestLog());
            } finally {
                relay.close();
            }
            List<String> slugs = slugs(google);
            assertEquals(6, slugs.size(), "the first row and the five pending rows: " + slugs);
            for (int i = 0; i < 5; i++) {
                assertTrue(slugs.contains("ti_pending_" + i), "ti_pending_" + i + " in " + slugs);
            }
        }
    }

    @Test
    void rowsPendingAtAStopWhileGoogleFailsAreWrittenAfterTheRestart() throws Exception {
        try (SheetsEmulator google = SheetsEmulator.start()) {
            google.createSpreadsheet(SPREADSHEET);
            TestRelay relay = TestRelay.start(work.resolve("data"), settings(google));
            long stopMs;
            try {
                firstRowWritten(relay, google);
                fiveRowsPending(relay);
                google.failShare(1.0, 503, 1);
            } finally {
                stopMs = stopTimed(relay);
            }
            assertTrue(google.answered(503) >= 1, "the writes at stop met Google's 503: " + google.requestLog());
            assertEquals(List.of("ti_first"), slugs(google));
            // Retries go on for the stop's grace period (camel.main.shutdownTimeout, 20 s), and no longer.
            assertTrue(stopMs < 28_000, "the stop took " + stopMs + " ms");

            google.clearFaults();
            awaitRowsAfterARestart(google, 6);
        }
    }

    @Test
    void webhooksWaitingWhileTheSheetCannotEvenBeReadAtAStopAreWrittenAfterTheRestart() throws Exception {
        try (SheetsEmulator google = SheetsEmulator.start()) {
            google.createSpreadsheet(SPREADSHEET);
            google.failShare(1.0, 503, 1); // from the start: the relay never gets to read the sheet
            TestRelay relay = TestRelay.start(work.resolve("data"), settings(google));
            long stopMs;
            try {
                for (int i = 0; i < 2; i++) {
                    assertEquals(202, relay.send("ticket.updated",
                            Tickets.ticket("ti_waiting_" + i, "complete", "Person " + i, "2022-03-26 08:00:00 UTC")).status());
                }
                TestRelay.await("the sheet's read to fail", Duration.ofSeconds(20), () -> google.answered(503) >= 2);
            } finally {
                stopMs = stopTimed(relay);
            }
            // Retries go on for the stop's grace period (camel.main.shutdownTimeout, 20 s), and no longer.
            assertTrue(stopMs < 28_000, "the stop took " + stopMs + " ms");
            long answeredAtStop = google.answered(503);
            google.clearFaults();
            awaitRowsAfterARestart(google, 2);
            assertTrue(answeredAtStop < 100, "retries at the stop's pace, not in a loop: " + answeredAtStop + " answers of 503");
        }
    }

    @Test
    void aFailedCheckOfTheRowsWrittenLastIsOneWarningAtStopNotRetriesAndAnError() throws Exception {
        try (SheetsEmulator google = SheetsEmulator.start(); LogCapture log = new LogCapture()) {
            google.createSpreadsheet(SPREADSHEET);
            // The check of the first row's place would come a flush interval after its write: not within this test.
            TestRelay relay = TestRelay.start(work.resolve("data"), settings(google));
            try {
                firstRowWritten(relay, google);
                google.failShare(1.0, 503, 1);
            } finally {
                relay.close();
            }
            assertTrue(google.answered(503) >= 1, "the check at stop met Google's 503: " + google.requestLog());
            List<String> lines = log.lines();
            assertEquals(1, lines.stream().filter(line -> line.contains("Could not check the rows last written")).count(),
                    String.join("\n", lines));
            assertEquals(0, lines.stream().filter(line -> line.contains("Cannot write to")
                                                          || line.contains("failed (")).count(),
                    "no retries, and no error about webhooks going back to dispatch: none was waiting");
        }
    }

    /** How long the relay's stop took, in ms. */
    private static long stopTimed(TestRelay relay) throws Exception {
        long stopping = System.nanoTime();
        relay.close();
        return (System.nanoTime() - stopping) / 1_000_000;
    }

    /** A relay on the same data directory writes what the stopped one left: the sheet has {@code rows} rows. */
    private void awaitRowsAfterARestart(SheetsEmulator google, int rows) throws Exception {
        TestRelay restarted = TestRelay.start(work.resolve("data"), settings(google));
        try {
            TestRelay.await(rows + " rows written after the restart", Duration.ofSeconds(30), () -> slugs(google).size() == rows);
        } finally {
            restarted.close();
        }
    }

    /** The emulator's sheet, and no flush that comes by itself during a test: only the stop writes. */
    private static Map<String, String> settings(SheetsEmulator google) {
        return Map.of(
                "sheets.spreadsheet-id", SPREADSHEET,
                "sheets.root-url", google.rootUrl(),
                "sheets.access-token", "emulator-access-token",
                "sheets.flush-interval-ms", "600000");
    }

    /** The first delivery is written at once (no write came before it); the next ones wait a flush interval. */
    private static void firstRowWritten(TestRelay relay, SheetsEmulator google) throws Exception {
        assertEquals(202, relay.send("ticket.updated",
                Tickets.ticket("ti_first", "complete", "First", "2022-03-26 08:00:00 UTC")).status());
        // By what the sheet shows, not by a count of requests: a write the client timed out on and sent again on a
        // loaded machine is still one row.
        TestRelay.await("the first row written", Duration.ofSeconds(20), () -> slugs(google).equals(List.of("ti_first"))
                && relay.camelContext().getInflightRepository().size("spreadsheet") == 0);
    }

    private static void fiveRowsPending(TestRelay relay) throws Exception {
        for (int i = 0; i < 5; i++) {
            assertEquals(202, relay.send("ticket.updated",
                    Tickets.ticket("ti_pending_" + i, "complete", "Person " + i, "2022-03-26 08:00:00 UTC")).status());
        }
        TestRelay.await("the five rows to wait in the spreadsheet sink", Duration.ofSeconds(20),
                () -> relay.camelContext().getInflightRepository().size("spreadsheet") == 5);
    }

    /** The Slug column of the Tickets tab below its header; empty while the tab does not exist. */
    private static List<String> slugs(SheetsEmulator google) {
        if (!google.tabs(SPREADSHEET).contains("Tickets")) {
            return List.of();
        }
        List<List<String>> tickets = google.grid(SPREADSHEET, "Tickets");
        return tickets.stream().skip(1).map(row -> row.get(0)).toList();
    }
}
