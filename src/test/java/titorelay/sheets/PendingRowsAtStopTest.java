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
                TestRelay.await("the first row written", Duration.ofSeconds(20), () -> google.writeRequests() == 1
                        && relay.camelContext().getInflightRepository().size("spreadsheet") == 0);
                for (int i = 0; i < 5; i++) {
                    assertEquals(202, relay.send("ticket.updated",
                            Tickets.ticket("ti_pending_" + i, "complete", "Person " + i, "2022-03-26 08:00:00 UTC")).status());
                }
                TestRelay.await("the five rows to wait in the spreadsheet sink", Duration.ofSeconds(20),
                        () -> relay.camelContext().getInflightRepository().size("spreadsheet") == 5);
                assertEquals(1, google.writeRequests(), "no row but the first was written before the stop: " + google.requestLog());
            } finally {
                relay.close();
            }
            List<List<String>> tickets = google.grid(SPREADSHEET, "Tickets");
            assertEquals(7, tickets.size(), "the header, the first row and the five pending rows: " + tickets);
            for (int i = 0; i < 5; i++) {
                String slug = "ti_pending_" + i;
                assertTrue(tickets.stream().anyMatch(row -> row.get(0).equals(slug)), slug + " in " + tickets);
            }
        }
    }
}
