package titorelay.sheets;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import titorelay.support.Samples;
import titorelay.support.TestRelay;
import titorelay.support.Tickets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static titorelay.support.TestRelay.await;

/**
 * The spreadsheet as an organizer sees it: the real routes and the real Google client (through camel-google-sheets)
 * writing to the Sheets v4 emulator, checked cell by cell.
 */
class SpreadsheetTest {

    static final List<String> TICKET_COLUMNS = List.of("Slug", "Reference", "State", "Name", "Email", "Release",
            "Registration", "Event", "Checked in at", "Updated at");
    static final List<String> REGISTRATION_COLUMNS = List.of("Slug", "Reference", "State", "Name", "Email", "Total",
            "Currency", "Paid", "Tickets", "Event", "Updated at");
    private static final Duration PATIENCE = Duration.ofSeconds(30);
    static final String SPREADSHEET = "tito-test-sheet";

    @TempDir
    Path work;

    private SheetsEmulator google;
    private TestRelay relay;

    @BeforeEach
    void start() throws Exception {
        google = SheetsEmulator.start();
        google.createSpreadsheet(SPREADSHEET);
        Map<String, String> settings = new java.util.HashMap<>(googleSettings(google));
        settings.put("camel.health.exposure-level", "full"); // health's messages say what to fix
        relay = TestRelay.start(work.resolve("data"), settings);
    }

    static Map<String, String> googleSettings(SheetsEmulator google) {
        return Map.of(
                "sheets.spreadsheet-id", SPREADSHEET,
                "sheets.root-url", google.rootUrl(),
                "sheets.access-token", "emulator-access-token",
                "sheets.timeout-ms", "1000",
                "sheets.max-backoff-ms", "2000");
    }

    @AfterEach
    void stop() throws Exception {
        relay.close();
        google.close();
    }

    private List<List<String>> tab(String name) {
        return google.tabs(SPREADSHEET).contains(name) ? google.grid(SPREADSHEET, name) : List.of();
    }

    /** The row whose first cell (Slug) is the given key, as column name → value. */
    static Map<String, String> row(List<List<String>> grid, String key) {
        List<String> header = grid.get(0);
        List<List<String>> rows = grid.stream().filter(r -> !r.isEmpty() && r.get(0).equals(key)).toList();
        assertEquals(1, rows.size(), "exactly one row for " + key + " in " + grid);
        Map<String, String> row = new java.util.LinkedHashMap<>();
        for (int c = 0; c < header.size(); c++) {
            row.put(header.get(c), c < rows.get(0).size() ? rows.get(0).get(c) : "");
        }
        return row;
    }

    private void awaitRows(String tabName, int rows) throws InterruptedException {
        await(rows + " rows in " + tabName, PATIENCE, () -> tab(tabName).size() == rows + 1);
        await("nothing left in the inbox", PATIENCE, () -> relay.inbox().isEmpty());
    }

    /**
     * Until the relay has read the sheet after its last write (it checks where the rows it wrote are, a flush interval
     * later): the next read is then the one before the next write.
     */
    private void awaitReadAfterLastWrite() throws InterruptedException {
        await("a read after the last write", PATIENCE, () -> {
            List<String> requests = google.requestLog();
            int lastWrite = -1;
            int lastRead = -1;
            for (int i = 0; i < requests.size(); i++) {
                if (requests.get(i).contains("values:batchUpdate 200")) {
                    lastWrite = i;
                } else if (requests.get(i).contains("values:batchGet 200")) {
                    lastRead = i;
                }
            }
            return lastRead > lastWrite;
        });
    }

    /** Rows ti_1, ti_2 and ti_3, in that order: "Person 1" to "Person 3", complete. */
    private void threeTicketsInTheSheet() throws Exception {
        for (int i = 1; i <= 3; i++) {
            relay.send("ticket.updated", Tickets.ticket("ti_" + i, "complete", "Person " + i, "2022-03-26 08:00:0" + i + " UTC"));
        }
        awaitRows("Tickets", 3);
    }

    @Test
    void everyReferencePayloadLandsInItsRow() throws Exception {
        for (String sample : Samples.names()) {
            assertEquals(202, relay.send(Samples.webhookName(sample), Samples.bytes(sample)).status());
        }
        awaitRows("Tickets", 4); // three tickets, and the checked-in one
        awaitRows("Registrations", 2);

        List<List<String>> tickets = tab("Tickets");
        assertEquals(TICKET_COLUMNS, tickets.get(0).subList(0, TICKET_COLUMNS.size()));
        Map<String, String> basic = row(tickets, "1i5nfwf2t24");
        assertEquals("1i5nfwf2t", basic.get("Reference"));
        assertEquals("incomplete", basic.get("State"));
        assertEquals("Peter Winter", basic.get("Name"));
        assertEquals("winter@example.com", basic.get("Email"));
        assertEquals("AwesomeConf ticket", basic.get("Release"));
        assertEquals("bdtyap3hguq", basic.get("Registration"));
        assertEquals("awesomeconf", basic.get("Event"));
        assertEquals("2017-08-27T13:07:47Z", basic.get("Updated at"));
        assertEquals("Women's S", basic.get("T-Shirt Size"), "a question becomes a column");
        assertEquals("AU", basic.get("Country"));

        Map<String, String> v31 = row(tickets, "ti_dbFC7zPGM4jkgWA1jpVfGOw");
        assertEquals("complete", v31.get("State"));
        assertEquals("2022-03-26T07:36:07Z", v31.get("Updated at"), "Tito's other timestamp format, normalised");
        assertEquals("United States", v31.get("Where do you live?"));
        assertEquals("", v31.get("T-Shirt Size"));

        Map<String, String> checkedIn = row(tickets, "ti_eZaOm33Y1rnICcLIpeTuESg");
        assertEquals("2019-08-16T14:14:21Z", checkedIn.get("Checked in at"), "a check-in for an unknown ticket creates its row");
        assertEquals("John Smith", checkedIn.get("Name"));
        assertEquals("FITD-1", checkedIn.get("Reference"));

        List<List<String>> registrations = tab("Registrations");
        assertEquals(REGISTRATION_COLUMNS, registrations.get(0));
        Map<String, String> watto = row(registrations, "reg_dp9Z2e2FgFH9QrhrVbf7Whg");
        assertEquals("9K9R", watto.get("Reference"));
        assertEquals("finished", watto.get("State"));
        assertEquals("270.0", watto.get("Total"));
        assertEquals("USD", watto.get("Currency"));
        assertEquals("false", watto.get("Paid"));
        assertEquals("6", watto.get("Tickets"));
        assertEquals("2022-03-26T07:59:13Z", watto.get("Updated at"));
        Map<String, String> smith = row(registrations, "dp6I7t2upnnXrka6GsXlw4A");
        assertEquals("true", smith.get("Paid"));
        assertEquals("1", smith.get("Tickets"));
        assertEquals("2019-08-05T10:23:26Z", smith.get("Updated at"));
    }

    @Test
    void rowsAreUpdatedInPlaceFollowingTheLifecycle() throws Exception {
        byte[] registration = Samples.bytes("registration-v3.1.json");
        relay.send("registration.finished", registration);
        relay.send("registration.marked_as_paid", registration);
        awaitRows("Registrations", 1);
        await("paid", PATIENCE, () -> "true".equals(row(tab("Registrations"), "reg_dp9Z2e2FgFH9QrhrVbf7Whg").get("Paid")));
        relay.send("registration.cancelled", registration);
        await("cancelled", PATIENCE,
                () -> "cancelled".equals(row(tab("Registrations"), "reg_dp9Z2e2FgFH9QrhrVbf7Whg").get("State")));
        // Cancelling voids the registration's six tickets (header + 6 rows).
        await("its tickets void", PATIENCE, () -> tab("Tickets").size() == 7
                && tab("Tickets").stream().skip(1).allMatch(row -> "void".equals(row.get(2))));
        relay.send("registration.marked_as_unpaid", registration);
        await("unpaid", PATIENCE, () -> "false".equals(row(tab("Registrations"), "reg_dp9Z2e2FgFH9QrhrVbf7Whg").get("Paid")));

        relay.send("ticket.updated", Samples.bytes("ticket-basic.json"));
        relay.send("ticket.voided", Samples.bytes("ticket-basic.json"));
        await("void", PATIENCE, () -> tab("Tickets").size() == 8 && "void".equals(row(tab("Tickets"), "1i5nfwf2t24").get("State")));

        byte[] checkin = Samples.bytes("checkin.json");
        relay.send("checkin.created", checkin);
        await("checked in", PATIENCE, () -> tab("Tickets").size() == 9
                && "2019-08-16T14:14:21Z".equals(row(tab("Tickets"), "ti_eZaOm33Y1rnICcLIpeTuESg").get("Checked in at")));
        relay.send("checkin.deleted", checkin);
        await("check-in cleared", PATIENCE,
                () -> "".equals(row(tab("Tickets"), "ti_eZaOm33Y1rnICcLIpeTuESg").get("Checked in at")));
        assertEquals(9, tab("Tickets").size(), "still one row per ticket");
        assertEquals(2, tab("Registrations").size());
    }

    @Test
    void anOlderUpdateNeverOverwritesANewerRow() throws Exception {
        relay.send("ticket.updated", Tickets.ticket("ti_order", "complete", "Newer Name", "2022-03-26 08:00:00 UTC"));
        awaitRows("Tickets", 1);
        // Late retries of older states, in both of Tito's timestamp formats.
        relay.send("ticket.updated", Tickets.ticket("ti_order", "incomplete", "Older Name", "2022-03-26T07:59:59.000Z"));
        relay.send("ticket.updated", Tickets.ticket("ti_order", "incomplete", "Oldest Name", "2021-01-01 00:00:00 UTC"));
        // A delivery leaves the inbox only once its row is written (or found older): both are done.
        await("the inbox to drain", PATIENCE, () -> relay.inbox().isEmpty());
        Map<String, String> row = row(tab("Tickets"), "ti_order");
        assertEquals("complete", row.get("State"));
        assertEquals("Newer Name", row.get("Name"));
        assertEquals("2022-03-26T08:00:00Z", row.get("Updated at"));

        relay.send("ticket.updated", Tickets.ticket("ti_order", "complete", "Newest Name", "2022-03-26T08:00:01.000Z"));
        await("a newer update", PATIENCE, () -> "Newest Name".equals(row(tab("Tickets"), "ti_order").get("Name")));
    }

    @Test
    void organizersColumnsAndSortOrderAreRespected() throws Exception {
        threeTicketsInTheSheet();

        // An organizer adds a Notes column far to the right and sorts the rows the other way round.
        List<List<String>> grid = tab("Tickets");
        List<String> header = new ArrayList<>(grid.get(0));
        int notes = header.size() + 2;
        while (header.size() < notes) {
            header.add("");
        }
        header.add("Notes");
        List<List<String>> edited = new ArrayList<>();
        edited.add(header);
        for (int r = grid.size() - 1; r >= 1; r--) {
            List<String> row = new ArrayList<>(grid.get(r));
            while (row.size() < notes) {
                row.add("");
            }
            row.add("note for " + row.get(0));
            edited.add(row);
        }
        google.setGrid(SPREADSHEET, "Tickets", edited);

        relay.send("ticket.updated", Tickets.ticket("ti_1", "void", "Person 1 renamed", "2022-03-26 09:00:00 UTC"));
        relay.send("ticket.updated", Tickets.ticket("ti_4", "complete", "Person 4", "2022-03-26 09:00:00 UTC"));
        await("the update and the new row", PATIENCE, () -> tab("Tickets").size() == 5
                && "Person 1 renamed".equals(row(tab("Tickets"), "ti_1").get("Name")));

        List<List<String>> after = tab("Tickets");
        assertEquals(List.of("ti_3", "ti_2", "ti_1", "ti_4"), after.subList(1, 5).stream().map(r -> r.get(0)).toList(),
                "rows stay where the organizer put them; new ones are added below");
        for (String slug : List.of("ti_1", "ti_2", "ti_3")) {
            assertEquals("note for " + slug, row(after, slug).get("Notes"), "the organizer's column is untouched");
        }
        assertEquals("", row(after, "ti_4").get("Notes"));
        assertEquals("void", row(after, "ti_1").get("State"));
        assertEquals("Person 2", row(after, "ti_2").get("Name"));
    }

    @Test
    void rowsSortedBetweenTheRelaysReadAndItsWriteEndRightWithoutAnotherWebhook() throws Exception {
        threeTicketsInTheSheet();
        List<List<String>> before = tab("Tickets");
        assertEquals(List.of("ti_1", "ti_2", "ti_3"), before.subList(1, 4).stream().map(r -> r.get(0)).toList());

        // The organizer sorts the rows the other way round just after the relay read where they are, before it writes:
        // the write meant for ti_1 (row 2 when read) lands on row 2, which now holds ti_3.
        List<List<String>> reversed = new ArrayList<>();
        reversed.add(before.get(0));
        for (int r = before.size() - 1; r >= 1; r--) {
            reversed.add(before.get(r));
        }
        awaitReadAfterLastWrite();
        google.afterNextRead(() -> google.setGrid(SPREADSHEET, "Tickets", reversed));
        int writesBefore = google.writeRequests();
        relay.send("ticket.updated", Tickets.ticket("ti_1", "void", "Person 1 renamed", "2022-03-26 09:00:00 UTC"));

        // Expected, cell by cell: the sorted order, ti_1 changed where it now is, and ti_3 as it was before.
        List<List<String>> expected = new ArrayList<>();
        expected.add(before.get(0));
        expected.add(before.get(3));
        expected.add(before.get(2));
        List<String> renamed = new ArrayList<>(before.get(1));
        renamed.set(TICKET_COLUMNS.indexOf("State"), "void");
        renamed.set(TICKET_COLUMNS.indexOf("Name"), "Person 1 renamed");
        renamed.set(TICKET_COLUMNS.indexOf("Updated at"), "2022-03-26T09:00:00Z");
        expected.add(renamed);
        // No other webhook comes: the relay checks the rows it wrote by itself.
        await("every row right after the sort", PATIENCE, () -> expected.equals(tab("Tickets")));
        assertEquals(1, google.editsAfterReads(), "the sort came between a read and the write after it");
        assertTrue(google.writeRequests() >= writesBefore + 2, "the write that met the sort, then the one that mended it");
        await("nothing left in the inbox", PATIENCE, () -> relay.inbox().isEmpty());
    }

    @Test
    void aMendingWriteThatFailsIsTriedAgainWithoutAnotherWebhook() throws Exception {
        threeTicketsInTheSheet();
        List<List<String>> before = tab("Tickets");
        List<List<String>> reversed = new ArrayList<>();
        reversed.add(before.get(0));
        for (int r = before.size() - 1; r >= 1; r--) {
            reversed.add(before.get(r));
        }
        awaitReadAfterLastWrite();
        // Reads in turn: the one before ti_1's write (the sort comes after it), the check that finds ti_1 moved, the
        // read of the whole tab; then the write that mends the rows is answered 503.
        google.afterNextRead(() -> {
            google.setGrid(SPREADSHEET, "Tickets", reversed);
            google.afterNextRead(() -> google.afterNextRead(() -> google.failNext(1, 503)));
        });
        relay.send("ticket.updated", Tickets.ticket("ti_1", "void", "Person 1 renamed", "2022-03-26 09:00:00 UTC"));

        await("the mending write refused", PATIENCE, () -> google.answered(503) == 1);
        assertEquals(3, google.editsAfterReads(), "the sort, the check, the read of the whole tab");
        assertEquals("Person 1 renamed", row(tab("Tickets"), "ti_3").get("Name"),
                "the refused mend left ti_3's row with ti_1's cells (its retry waits at least a second)");
        await("every row right after the refused mend", PATIENCE, () -> {
            List<List<String>> grid = tab("Tickets");
            return "Person 3".equals(row(grid, "ti_3").get("Name")) && "complete".equals(row(grid, "ti_3").get("State"))
                   && "Person 1 renamed".equals(row(grid, "ti_1").get("Name")) && "void".equals(row(grid, "ti_1").get("State"));
        });
    }

    @Test
    void aColumnInsertedBetweenTheRelaysReadAndItsWriteEndsRightWithoutAnotherWebhook() throws Exception {
        threeTicketsInTheSheet();
        List<List<String>> before = tab("Tickets");

        // The organizer inserts a Notes column before Reference just after the relay read the header: the write meant
        // for State, Name and Updated at lands one column to the left of where they now are.
        List<List<String>> inserted = new ArrayList<>();
        for (int r = 0; r < before.size(); r++) {
            List<String> row = new ArrayList<>(before.get(r));
            row.add(1, r == 0 ? "Notes" : "");
            inserted.add(row);
        }
        awaitReadAfterLastWrite();
        google.afterNextRead(() -> google.setGrid(SPREADSHEET, "Tickets", inserted));
        relay.send("ticket.updated", Tickets.ticket("ti_1", "void", "Person 1 renamed", "2022-03-26 09:00:00 UTC"));

        List<List<String>> expected = new ArrayList<>(inserted);
        List<String> renamed = new ArrayList<>(inserted.get(1));
        renamed.set(1 + TICKET_COLUMNS.indexOf("State"), "void");
        renamed.set(1 + TICKET_COLUMNS.indexOf("Name"), "Person 1 renamed");
        renamed.set(1 + TICKET_COLUMNS.indexOf("Updated at"), "2022-03-26T09:00:00Z");
        expected.set(1, renamed);
        await("every cell right after the insert", PATIENCE, () -> expected.equals(tab("Tickets")));
        assertEquals(1, google.editsAfterReads(), "the insert came between a read and the write after it");
    }

    @Test
    void quotaErrorsServerErrorsAndAHangStillEndExactlyRight() throws Exception {
        // Faults at random throughout, and on top of them, in turn: two 429s, two 503s, then one request held past
        // the relay's time-out; each phase waits until the emulator has served its fault.
        google.failShare(0.3, 429, 7);
        google.failNext(2, 429);
        Map<String, String> expectedState = new java.util.TreeMap<>();
        for (int i = 0; i < 40; i++) {
            String state = i % 2 == 0 ? "complete" : "incomplete";
            relay.send("ticket.updated", Tickets.ticket("ti_fault_" + i, state, "Person " + i, "2022-03-26 08:00:00 UTC"));
            expectedState.put("ti_fault_" + i, state);
            if (i == 20) {
                await("two 429s served", PATIENCE, () -> google.answered(429) >= 2);
                google.failShare(0.3, 503, 11);
                google.failNext(2, 503);
                await("two 503s served", PATIENCE, () -> google.answered(503) >= 2);
                google.hangNext(Duration.ofSeconds(3));
            }
        }
        awaitRows("Tickets", 40);
        google.clearFaults();
        await("the held request answered", PATIENCE, () -> google.held() == 1);
        Map<String, String> actual = tab("Tickets").stream().skip(1)
                .collect(Collectors.toMap(r -> r.get(0), r -> r.get(2), (a, b) -> a + "|" + b, java.util.TreeMap::new));
        assertEquals(expectedState, actual);
        assertEquals(List.of(), relay.deadLetters(), "transient errors are retried, never dead letters");
    }

    @Test
    void aPermanentErrorTurnsHealthDownAndTheReplayedDeadLettersFillTheSheetOnceFixed() throws Exception {
        google.denyAccess(SPREADSHEET, true);
        relay.send("ticket.updated", Tickets.ticket("ti_denied", "complete", "Denied Person", "2022-03-26 08:00:00 UTC"));
        await("a dead letter", PATIENCE, () -> relay.deadLetters().size() == 1);
        assertTrue(google.answered(403) > 0, "the emulator answered 403: " + google.requestLog());
        String health = relay.health();
        assertTrue(health.contains("DOWN") && health.contains("share it"), health);
        String kept = Files.readString(relay.deadLetters().get(0));
        assertTrue(kept.contains("Failed-Sink: spreadsheet"), kept);
        assertTrue(kept.contains("HTTP 403"), kept);

        assertTrue(health.contains("1 dead letter(s)"), health);
        java.io.ByteArrayOutputStream listing = new java.io.ByteArrayOutputStream();
        assertEquals(0, titorelay.tools.DeadLetters.run(relay.dataDir(), new java.io.PrintStream(listing, true), "list"));
        assertTrue(listing.toString().contains("ticket.updated, sink spreadsheet, 7 attempt(s)"), listing.toString());

        google.denyAccess(SPREADSHEET, false);
        assertEquals(0, titorelay.tools.DeadLetters.run(relay.dataDir(), System.out, "replay", "--sink", "organizer-email"));
        assertEquals(1, relay.deadLetters().size(), "only the dead letters of the named sink are replayed");
        assertEquals(0, titorelay.tools.DeadLetters.run(relay.dataDir(), System.out, "replay", "--sink", "spreadsheet"));
        awaitRows("Tickets", 1);
        assertEquals("Denied Person", row(tab("Tickets"), "ti_denied").get("Name"));
        await("health UP again", PATIENCE, () -> {
            try {
                return relay.health().contains("\"status\":\"UP\"");
            } catch (Exception e) {
                return false;
            }
        });
    }

    @Test
    void aSheetBackBeforeTheRetriesEndGetsTheRowFromARetryExactly() throws Exception {
        // Refused at first (the sink has taken the delivery's rows and failed them back to dispatch), then allowed
        // again while dispatch is still retrying: a retry must carry the webhook as it came, not what a sink left.
        google.denyAccess(SPREADSHEET, true);
        assertEquals(202, relay.send("ticket.updated",
                Tickets.ticket("ti_retried", "complete", "Retried Person", "2022-03-26 08:00:00 UTC")).status());
        await("the sheet refusing", PATIENCE, () -> google.answered(403) >= 2);
        google.denyAccess(SPREADSHEET, false);
        awaitRows("Tickets", 1);
        assertEquals("Retried Person", row(tab("Tickets"), "ti_retried").get("Name"));
        assertEquals("complete", row(tab("Tickets"), "ti_retried").get("State"));
        assertEquals(List.of(), relay.deadLetters(), "no dead letter: a retry succeeded");
    }
}
