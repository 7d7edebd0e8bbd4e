package titorelay.sheets;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import titorelay.Timestamps;
import titorelay.sheets.SheetColumns.RowChange;
import titorelay.support.Samples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The mapping of sheet-columns.yaml and the merge rules, on a spreadsheet in memory. */
class SheetBookTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private SheetColumns columns;
    private InMemorySpreadsheet sheet;
    private SheetBook book;

    @BeforeEach
    void load() throws Exception {
        columns = SheetColumns.load(Path.of("sheet-columns.yaml"));
        sheet = new InMemorySpreadsheet();
        book = new SheetBook(columns);
        book.load(sheet);
    }

    private static JsonNode json(String text) throws Exception {
        return JSON.readTree(text);
    }

    private void write() throws Exception {
        sheet.write(book.pendingWrites(sheet));
        book.written();
    }

    private List<List<String>> tab(String name) throws Exception {
        return sheet.tab(name);
    }

    @Test
    void bothTimestampFormatsAreReadAndNormalised() {
        assertEquals("2017-08-27T13:07:47Z", SheetColumns.normalizeTimestamp("2017-08-27T13:07:47.000Z"));
        assertEquals("2022-03-26T07:36:07Z", SheetColumns.normalizeTimestamp("2022-03-26 07:36:07 UTC"));
        assertEquals("not a time", SheetColumns.normalizeTimestamp("not a time"));
        assertNull(Timestamps.parse(""));
    }

    @Test
    void namesMatchByPatternAndSourcesFallBack() throws Exception {
        List<RowChange> voided = columns.changesFor("ticket.voided", json(new String(Samples.bytes("ticket-v3.1.json"))));
        assertEquals(1, voided.size());
        assertEquals("void", voided.get(0).set().get("State"), "ticket.* then ticket.voided: the later entry wins");
        assertEquals("Standard", voided.get(0).set().get("Release"));
        assertTrue(columns.changesFor("ticket", json("{\"slug\":\"x\"}")).isEmpty(), "no rule for a bare 'ticket'");
        assertTrue(columns.changesFor("ticket.updated", json("{\"name\":\"no slug\"}")).isEmpty(), "no key, no row");

        RowChange fallback = columns.changesFor("ticket.updated",
                json("{\"slug\":\"s\",\"release\":{\"title\":\"From the object\"},\"name\":null}")).get(0);
        assertEquals("From the object", fallback.set().get("Release"), "release_title | release.title");
        assertFalse(fallback.set().containsKey("Name"), "null is absent: the cell is left alone");

        List<RowChange> cancelled = columns.changesFor("registration.cancelled",
                json(new String(Samples.bytes("registration-v3.1.json"))));
        RowChange registration = cancelled.stream().filter(c -> c.tab().equals("Registrations")).findFirst().orElseThrow();
        assertEquals("6", registration.set().get("Tickets"), "count:tickets");
        assertEquals("cancelled", registration.set().get("State"));
        List<RowChange> tickets = cancelled.stream().filter(c -> c.tab().equals("Tickets")).toList();
        assertEquals(List.of("ti_dj8GKOodhY1PZK3VpFxVshw", "ti_dbFC7zPGM4jkgWA1jpVfGOw", "ti_dpIFsGDCrA0ydKeuQxo4FEg",
                "ti_dPRNYLLpkElscpUJckyjwWg", "ti_dj4277jrKX8rpq2wbY1fEpg", "ti_dDEWoBweq75fl7pFhrWAk2g"),
                tickets.stream().map(RowChange::key).toList(), "each: tickets, one row per ticket, keys from the elements");
        assertEquals("reg_dp9Z2e2FgFH9QrhrVbf7Whg", tickets.get(0).fill().get("Registration"), "../slug reads the webhook");
        assertEquals("void", tickets.get(0).set().get("State"));
    }

    @Test
    void questionsFromTicketsAndCheckinsAreRead() throws Exception {
        RowChange ticket = columns.changesFor("ticket.updated", json(new String(Samples.bytes("ticket-v3.1.json")))).get(0);
        assertEquals("United States", ticket.set().get("Where do you live?"), "humanized_response is preferred");
        JsonNode plainQuestion = json("{\"slug\":\"s\",\"answers\":[{\"question\":\"Diet?\",\"response\":[\"Vegan\",\"No nuts\"]}]}");
        assertEquals("Vegan, No nuts", columns.changesFor("ticket.updated", plainQuestion).get(0).set().get("Diet?"));
    }

    @Test
    void mergeRulesAgeFillAndNewRows() throws Exception {
        String row = "{\"slug\":\"ti_m\",\"name\":\"%s\",\"state_name\":\"%s\",\"updated_at\":\"%s\"}";
        assertTrue(book.apply(columns.changesFor("ticket.updated", json(row.formatted("A", "complete", "2022-03-26 08:00:00 UTC"))).get(0)));
        assertFalse(book.apply(columns.changesFor("ticket.updated", json(row.formatted("B", "incomplete", "2022-03-26T07:00:00Z"))).get(0)),
                "older: skipped");
        assertTrue(book.apply(columns.changesFor("ticket.updated", json(row.formatted("C", "complete", "2022-03-26T08:00:00.000Z"))).get(0)),
                "the same instant in the other format: applied");
        // A check-in fills only empty cells: the name stays, the check-in time is set.
        book.apply(columns.changesFor("checkin.created", json("{\"slug\":\"ti_m\",\"name\":\"From checkin\",\"email\":\"e@x\","
                                                                + "\"checked_in_at\":\"2022-03-27T09:00:00.000Z\"}")).get(0));
        write();
        List<List<String>> grid = tab("Tickets");
        assertEquals(List.of("Slug", "Reference", "State", "Name", "Email", "Release", "Registration", "Event",
                "Checked in at", "Updated at"), grid.get(0));
        assertEquals(List.of("ti_m", "", "complete", "C", "e@x", "", "", "", "2022-03-27T09:00:00Z", "2022-03-26T08:00:00Z"),
                grid.get(1));
        assertFalse(book.hasPendingWrites());
    }

    @Test
    void rowsSortedAndRowsAndColumnsInsertedAtRandomAroundWritesSomeOfThemTimedOutEndRight() throws Exception {
        long seed = Long.getLong("sheet.seed", 20261208L);
        System.out.println("rowsSortedAndRowsAndColumnsInsertedAtRandomAroundWritesSomeOfThemTimedOutEndRight seed " + seed + " (rerun with -Dsheet.seed=" + seed + ")");
        Random random = new Random(seed);
        Instant time = Instant.parse("2022-03-26T08:00:00Z");
        Map<String, List<String>> expected = new TreeMap<>(); // slug -> State, Name, Updated at
        int sortsBeforeAWrite = 0;
        for (int pass = 0; pass < 300; pass++) {
            for (int c = random.nextInt(4); c > 0; c--) {
                String slug = "ti_" + random.nextInt(25);
                String state = random.nextBoolean() ? "complete" : "incomplete";
                String name = "Name " + pass + "." + c;
                time = time.plusSeconds(1);
                assertTrue(book.apply(columns.changesFor("ticket.updated", json("{\"slug\":\"" + slug + "\",\"state_name\":\""
                        + state + "\",\"name\":\"" + name + "\",\"updated_at\":\"" + time + "\"}")).get(0)));
                expected.put(slug, List.of(state, name, time.toString()));
            }
            List<CellRange> writes = book.pendingWrites(sheet);
            if (random.nextInt(3) == 0 && !writes.isEmpty()) {
                editByHand(random, pass); // after the relay's read, before its write
                sortsBeforeAWrite++;
            }
            sheet.write(writes);
            if (random.nextInt(8) != 0) {
                book.written();
            } // else its answer was lost (a time-out after Google wrote): the next pass writes the rows again
            if (random.nextInt(5) == 0) {
                editByHand(random, pass); // after the write
            }
        }
        for (int quiet = 0; quiet < 5 && (book.hasRowsToCheck() || book.hasPendingWrites()); quiet++) {
            sheet.write(book.pendingWrites(sheet)); // the check a flush interval later, and what it writes again
            book.written();
        }
        assertFalse(book.hasRowsToCheck() || book.hasPendingWrites(), "settled after the last write");
        assertTrue(sortsBeforeAWrite > 50, "edits between a read and a write: " + sortsBeforeAWrite);

        List<List<String>> grid = tab("Tickets");
        List<String> header = grid.get(0);
        Map<String, List<String>> actual = new TreeMap<>();
        for (List<String> row : grid.subList(1, grid.size())) {
            if (row.isEmpty() || row.get(0).isEmpty()) {
                continue; // a row a person inserted: what a racing write put there stays (the relay cannot tell)
            }
            List<String> cells = List.of(row.get(header.indexOf("State")), row.get(header.indexOf("Name")),
                    row.get(header.indexOf("Updated at")));
            assertNull(actual.put(row.get(0), cells), "one row per ticket: " + row.get(0));
        }
        assertEquals(expected, actual);
    }

    @Test
    void rowsThatMovedAreMendedEvenIfTheFirstReadOfTheWholeTabFails() throws Exception {
        threeTicketsWritten();
        rename("ti_1");
        List<CellRange> writes = book.pendingWrites(sheet);
        Collections.reverse(sheet.tabRows("Tickets")); // sorted the other way round, after the read
        sheet.write(writes);
        book.written();
        List<List<String>> raced = tab("Tickets");
        assertEquals(List.of("ti_3", "Renamed"), List.of(raced.get(1).get(0), raced.get(1).get(raced.get(0).indexOf("Name"))),
                "the write met the sort: ti_1's new name went to the row that is now ti_3's");

        sheet.failNextWholeTabRead = true;
        assertThrows(IOException.class, () -> book.pendingWrites(sheet), "the check's read of the whole tab");
        for (int pass = 0; pass < 3 && (book.hasRowsToCheck() || book.hasPendingWrites()); pass++) {
            write(); // the check again, then what it writes again
        }
        List<List<String>> grid = tab("Tickets");
        int name = grid.get(0).indexOf("Name");
        assertEquals(List.of("ti_3 Person 3", "ti_2 Person 2", "ti_1 Renamed"), grid.subList(1, grid.size()).stream()
                .map(row -> row.get(0) + " " + row.get(name)).toList());
    }

    @Test
    void theRowsOfAWriteWhoseAnswerWasLostAreCheckedToo() throws Exception {
        threeTicketsWritten();
        write(); // the check: nothing moved
        rename("ti_2");
        List<CellRange> writes = book.pendingWrites(sheet);
        Collections.swap(sheet.tabRows("Tickets"), 1, 2); // ti_2 and ti_3 swapped, after the read
        sheet.write(writes); // done, but its answer never came (a time-out): the rows are written again
        List<List<String>> raced = tab("Tickets");
        int name = raced.get(0).indexOf("Name");
        assertEquals(List.of("ti_3", "Renamed"), List.of(raced.get(2).get(0), raced.get(2).get(name)), "the write met the swap");

        for (int pass = 0; pass < 4 && (book.hasRowsToCheck() || book.hasPendingWrites()); pass++) {
            write();
        }
        List<List<String>> grid = tab("Tickets");
        assertEquals(List.of("ti_1 Person 1", "ti_3 Person 3", "ti_2 Renamed"), grid.subList(1, grid.size()).stream()
                .map(row -> row.get(0) + " " + row.get(name)).toList());
    }

    @Test
    void aSheetEditedByHandAroundEveryKindOfWriteEndsLikeOneNobodyTouched() throws Exception {
        long seed = Long.getLong("sheet.seed", 20261208L);
        System.out.println("aSheetEditedByHandAroundEveryKindOfWriteEndsLikeOneNobodyTouched seed " + seed
                           + " (rerun with -Dsheet.seed=" + seed + ")");
        Random random = new Random(seed);
        // The same webhooks into a second book and sheet that nobody edits: its cells are what the first must end with.
        InMemorySpreadsheet untouched = new InMemorySpreadsheet();
        SheetBook untouchedBook = new SheetBook(columns);
        untouchedBook.load(untouched);
        Instant time = Instant.parse("2022-03-26T08:00:00Z");
        for (int pass = 0; pass < 300; pass++) {
            for (int c = random.nextInt(4); c > 0; c--) {
                time = time.plusSeconds(random.nextInt(3) - 1L); // now and then one older than the last
                String name = "Name " + pass + "." + c;
                String slug = "ti_" + random.nextInt(20);
                String webhook;
                String payload;
                switch (random.nextInt(5)) {
                    case 0 -> {
                        webhook = "checkin.created";
                        payload = "{\"slug\":\"" + slug + "\",\"name\":\"" + name + "\",\"checked_in_at\":\"" + time + "\"}";
                    }
                    case 1 -> {
                        webhook = "checkin.deleted";
                        payload = "{\"slug\":\"" + slug + "\"}";
                    }
                    case 2 -> {
                        webhook = "registration.cancelled";
                        payload = "{\"slug\":\"reg_" + random.nextInt(5) + "\",\"name\":\"" + name + "\",\"updated_at\":\""
                                  + time + "\",\"event\":{\"slug\":\"ev\"},\"tickets\":[{\"slug\":\"" + slug
                                  + "\"},{\"slug\":\"ti_" + random.nextInt(20) + "\",\"name\":\"" + name + "\"}]}";
                    }
                    default -> {
                        webhook = "ticket.updated";
                        payload = "{\"slug\":\"" + slug + "\",\"name\":\"" + name + "\",\"state_name\":\""
                                  + (random.nextBoolean() ? "complete" : "incomplete") + "\",\"updated_at\":\"" + time
                                  + "\",\"answers\":[{\"question\":{\"title\":\"Question " + random.nextInt(4)
                                  + "\"},\"response\":\"" + name + "\"}]}";
                    }
                }
                for (RowChange change : columns.changesFor(webhook, json(payload))) {
                    assertEquals(untouchedBook.apply(change), book.apply(change), "the same rule decides in both");
                }
            }
            untouched.write(untouchedBook.pendingWrites(untouched));
            untouchedBook.written();
            List<CellRange> writes = book.pendingWrites(sheet);
            if (random.nextInt(3) == 0 && !writes.isEmpty()) {
                editByHand(random, pass); // after the relay's read, before its write
            }
            sheet.write(writes);
            if (random.nextInt(8) != 0) {
                book.written();
            }
            if (random.nextInt(5) == 0) {
                editByHand(random, pass);
            }
        }
        for (int quiet = 0; quiet < 5 && (book.hasRowsToCheck() || book.hasPendingWrites()); quiet++) {
            write();
        }
        for (String tab : List.of("Tickets", "Registrations")) {
            assertEquals(cellsByKey(untouched.tab(tab)), cellsByKey(tab(tab)), tab);
        }
    }

    /** Each keyed row's cells by column name, leaving out the columns of a person's own ("Own ..."). */
    private static Map<String, Map<String, String>> cellsByKey(List<List<String>> grid) {
        Map<String, Map<String, String>> rows = new TreeMap<>();
        if (grid.isEmpty()) {
            return rows;
        }
        List<String> header = grid.get(0);
        for (List<String> row : grid.subList(1, grid.size())) {
            if (row.isEmpty() || row.get(0).isEmpty()) {
                continue; // a row a person inserted: what a racing write put there stays (the relay cannot tell)
            }
            Map<String, String> cells = new TreeMap<>();
            for (int c = 0; c < header.size(); c++) {
                if (!header.get(c).isEmpty() && !header.get(c).startsWith("Own ")) {
                    cells.put(header.get(c), c < row.size() ? row.get(c) : "");
                }
            }
            cells.values().removeIf(String::isEmpty);
            assertNull(rows.put(row.get(0), cells), "one row per key: " + row.get(0));
        }
        return rows;
    }

    /** Rows ti_1 to ti_3, "Person 1" to "Person 3", written in that order. */
    private void threeTicketsWritten() throws Exception {
        for (int i = 1; i <= 3; i++) {
            book.apply(columns.changesFor("ticket.updated", json("{\"slug\":\"ti_" + i + "\",\"name\":\"Person " + i
                    + "\",\"updated_at\":\"2022-03-26T08:00:0" + i + "Z\"}")).get(0));
        }
        write();
    }

    /** A newer change to the ticket: its name is "Renamed". */
    private void rename(String slug) throws Exception {
        book.apply(columns.changesFor("ticket.updated", json("{\"slug\":\"" + slug + "\",\"name\":\"Renamed\","
                                                               + "\"updated_at\":\"2022-03-26T09:00:00Z\"}")).get(0));
    }

    /** Mostly a sort; sometimes an empty row or a column of a person's own inserted. */
    private void editByHand(Random random, int pass) throws Exception {
        int edit = random.nextInt(10);
        if (edit == 0) {
            sheet.insertEmptyRow("Tickets", random);
        } else if (edit == 1) {
            sheet.insertColumn("Tickets", random, "Own " + pass, "mine");
        } else {
            sheet.shuffleRows("Tickets", random);
        }
    }

    @Test
    void aRowNewToTheRelayIsWrittenWholeIntoTheRowAPersonAddedMeanwhile() throws Exception {
        book.apply(columns.changesFor("ticket.updated", json("{\"slug\":\"ti_a\",\"name\":\"A\"}")).get(0));
        write();
        // After the relay read the sheet, a person types a row for ti_p, with a note in the Email column.
        sheet.write(List.of(new CellRange("Tickets", 3, 0, List.of("ti_p", "", "", "", "typed by hand"))));

        book.apply(columns.changesFor("ticket.updated", json("{\"slug\":\"ti_p\",\"name\":\"P\",\"state_name\":\"complete\","
                                                               + "\"reference\":\"REF-P\"}")).get(0));
        book.apply(columns.changesFor("checkin.created", json("{\"slug\":\"ti_p\",\"email\":\"p@x\","
                                                                + "\"checked_in_at\":\"2022-03-27T09:00:00.000Z\"}")).get(0));
        List<CellRange> writes = book.pendingWrites(sheet);
        assertTrue(writes.stream().allMatch(w -> w.row() == 3), "into the person's row, no second one: " + writes);
        sheet.write(writes);
        book.written();
        List<List<String>> grid = tab("Tickets");
        assertEquals(3, grid.size());
        // Every cell the relay knows of the row: the check-in filled the email, which the relay had none of.
        assertEquals(List.of("ti_p", "REF-P", "complete", "P", "p@x", "", "", "", "2022-03-27T09:00:00Z"), grid.get(2));

        // Once written, a later change writes only the cells it changes.
        book.apply(columns.changesFor("ticket.updated", json("{\"slug\":\"ti_p\",\"name\":\"P2\"}")).get(0));
        List<CellRange> later = book.pendingWrites(sheet);
        assertEquals(List.of(new CellRange("Tickets", 3, 3, List.of("P2"))), later);
    }

    @Test
    void aColumnInsertedBetweenManagedOnesIsNeverWritten() throws Exception {
        book.apply(columns.changesFor("ticket.updated", json("{\"slug\":\"ti_u\",\"name\":\"N\",\"email\":\"e\"}")).get(0));
        write();
        // An organizer inserts "Notes" between Name and Email, and writes in it.
        List<List<String>> grid = tab("Tickets");
        List<String> header = new java.util.ArrayList<>(grid.get(0));
        header.add(4, "Notes");
        List<String> first = new java.util.ArrayList<>(grid.get(1));
        while (first.size() < 4) {
            first.add("");
        }
        first.add(4, "call back");
        sheet.write(List.of(new CellRange("Tickets", 1, 0, header), new CellRange("Tickets", 2, 0, first)));

        book.apply(columns.changesFor("ticket.updated", json("{\"slug\":\"ti_u\",\"name\":\"N2\",\"email\":\"e2\","
                                                               + "\"state_name\":\"void\"}")).get(0));
        List<CellRange> writes = book.pendingWrites(sheet);
        assertTrue(writes.stream().noneMatch(w -> w.column() <= 4 && w.column() + w.values().size() - 1 >= 4),
                "no write touches the Notes column: " + writes);
        sheet.write(writes);
        book.written();
        Map<String, String> row = new java.util.HashMap<>();
        List<List<String>> after = tab("Tickets");
        for (int c = 0; c < after.get(0).size(); c++) {
            row.put(after.get(0).get(c), c < after.get(1).size() ? after.get(1).get(c) : "");
        }
        assertEquals("call back", row.get("Notes"));
        assertEquals("N2", row.get("Name"));
        assertEquals("e2", row.get("Email"));
        assertEquals("void", row.get("State"));
    }
}
