package titorelay.sheets;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
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
            Map<String, String> settings = new HashMap<>(Map.of(
                    "sheets.spreadsheet-id", SPREADSHEET,
                    "sheets.root-url", google.rootUrl(),
                    "sheets.access-token", "emulator-access-token",
                    // no flush comes by itself during the test: only the stop writes
                    "sheets.flush-interval-ms", "600000"));
            TestRelay relay = TestRelay.start(work.resolve("data"), settings);
            try {
                // The first delivery is written at once (no write came before it); the next ones wait a flush interval.
                assertEquals(202, relay.send("ticket.updated",
                        Tickets.ticket("ti_first", "complete", "First", "2022-03-26 08:00:00 UTC")).status());
                // By what the sheet shows, not by a count of requests: a write the client timed out on and sent again
                // on a loaded machine is still one row.
                TestRelay.await("the first row written", Duration.ofSeconds(20), () -> slugs(google).equals(List.of("ti_first"))
                        && relay.camelContext().getInflightRepository().size("spreadsheet") == 0);
                for (int i = 0; i < 5; i++) {
                    assertEquals(202, relay.send("ticket.updated",
                            Tickets.ticket("ti_pending_" + i, "complete", "Person " + i, "2022-03-26 08:00:00 UTC")).status());
                }
                TestRelay.await("the five rows to wait in the spreadsheet sink", Duration.ofSeconds(20),
                        () -> relay.camelContext().getInflightRepository().size("spreadsheet") == 5);
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

    /** The Slug column of the Tickets tab below its header; empty while the tab does not exist. */
    private static List<String> slugs(SheetsEmulator google) {
        if (!google.tabs(SPREADSHEET).contains("Tickets")) {
            return List.of();
        }
        List<List<String>> tickets = google.grid(SPREADSHEET, "Tickets");
        return tickets.stream().skip(1).map(row -> row.get(0)).toList();
    }
}
