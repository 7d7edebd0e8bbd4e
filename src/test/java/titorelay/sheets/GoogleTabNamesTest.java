package titorelay.sheets;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import titorelay.support.TestRelay;
import titorelay.support.Tickets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static titorelay.support.TestRelay.await;

/**
 * Google takes tab names without regard to case: it refuses to add "Tickets" beside a "tickets" an organizer made by
 * hand. The relay writes into the tab that is there; and a refusal that is not about the rows written (here, to read
 * the sheet) is a permanent error, never a loop of requests.
 */
class GoogleTabNamesTest {

    private static final String SPREADSHEET = SpreadsheetTest.SPREADSHEET;

    @TempDir
    Path work;

    private final SheetsEmulator google = SheetsEmulator.start();
    private TestRelay relay;

    @AfterEach
    void stop() throws Exception {
        if (relay != null) {
            relay.close();
        }
        google.close();
    }

    @Test
    void aTicketsTabInLowerCaseIsTheTabTheRelayWrites() throws Exception {
        google.createSpreadsheet(SPREADSHEET);
        google.setGrid(SPREADSHEET, "tickets", List.of(
                List.of("Slug", "Reference", "State", "Name"),
                List.of("ti_there", "THERE-1", "incomplete", "Already There")));
        relay = TestRelay.start(work.resolve("data"), new HashMap<>(SpreadsheetTest.googleSettings(google)));

        assertEquals(202, relay.send("ticket.updated",
                Tickets.ticket("ti_there", "complete", "Already There", "2022-03-26 08:00:00 UTC")).status());
        assertEquals(202, relay.send("ticket.updated",
                Tickets.ticket("ti_new", "complete", "New Person", "2022-03-26 08:00:00 UTC")).status());
        await("both tickets in the tab that was there", Duration.ofSeconds(30), () -> {
            List<List<String>> rows = google.grid(SPREADSHEET, "tickets");
            return rows.size() == 3 && rows.get(1).get(2).equals("complete") && rows.get(2).get(0).equals("ti_new");
        });
        assertEquals(List.of("Already There", "New Person"),
                google.grid(SPREADSHEET, "tickets").subList(1, 3).stream().map(row -> row.get(3)).toList());
        assertEquals(List.of("Sheet1", "tickets", "Registrations"), google.tabs(SPREADSHEET), "only the missing tab added");
        assertEquals(0, google.answered(400), "no tab added twice: " + google.requestLog());
        assertEquals(List.of(), relay.deadLetters());
    }

    @Test
    void aSheetGoogleRefusesToReadIsAPermanentErrorNotALoop() throws Exception {
        google.createSpreadsheet(SPREADSHEET);
        Map<String, String> settings = new HashMap<>(SpreadsheetTest.googleSettings(google));
        settings.put("camel.health.exposure-level", "full"); // health's message says what Google refused
        settings.put("relay.dispatch.max-redeliveries", "2");
        settings.put("relay.dispatch.redelivery-delay-ms", "200");
        relay = TestRelay.start(work.resolve("data"), settings);
        google.resetCounters();
        google.failNext(Integer.MAX_VALUE, 400); // every request, reading the sheet's tabs first

        assertEquals(202, relay.send("ticket.updated",
                Tickets.ticket("ti_refused", "complete", "Refused Read", "2022-03-26 08:00:00 UTC")).status());
        await("the delivery kept as a dead letter", Duration.ofSeconds(30), () -> relay.deadLetters().size() == 1);
        assertTrue(relay.health().contains("400"), relay.health());
        // One request per attempt (the first, then two redeliveries): Google's answer ends each attempt. Before, a
        // refused read was taken for refused rows and the writer asked again at once, without end.
        assertEquals(3, google.requests(), google.requestLog().toString());
        assertEquals(3, google.answered(400));
    }
}
