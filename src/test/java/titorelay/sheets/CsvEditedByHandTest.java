package titorelay.sheets;

import java.io.Reader;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import titorelay.support.TestRelay;
import titorelay.support.Tickets;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The CSV sheet is kept in memory between writes; when someone edits the file meanwhile (re-sorts it, adds a column
 * of notes), the next write starts from the edited file, as with Google's sheet.
 */
class CsvEditedByHandTest {

    @TempDir
    Path data;

    @Test
    void rowsReSortedAndANotesColumnAddedByHandAreKept() throws Exception {
        try (TestRelay relay = TestRelay.start(data)) {
            send(relay, Tickets.ticket("ti_a", "complete", "Ann", "2022-03-26 08:00:00 UTC"));
            send(relay, Tickets.ticket("ti_b", "complete", "Ben", "2022-03-26 08:00:00 UTC"));

            // By hand: B above A, and a Notes column with a note on A's row.
            Path file = data.resolve("sheets/Tickets.csv");
            List<List<String>> grid = read(file);
            List<String> header = new ArrayList<>(grid.get(0));
            header.add("Notes");
            List<String> rowA = new ArrayList<>(grid.get(1));
            while (rowA.size() < header.size() - 1) {
                rowA.add("");
            }
            rowA.add("VIP, seat 1");
            StringBuilder edited = new StringBuilder();
            CSVFormat.RFC4180.printRecord(edited, header.toArray());
            CSVFormat.RFC4180.printRecord(edited, grid.get(2).toArray());
            CSVFormat.RFC4180.printRecord(edited, rowA.toArray());
            Files.writeString(file, edited, StandardCharsets.UTF_8);

            send(relay, Tickets.ticket("ti_a", "void", "Ann Again", "2022-03-26 09:00:00 UTC"));
        }
        List<List<String>> grid = read(data.resolve("sheets/Tickets.csv"));
        int slug = grid.get(0).indexOf("Slug");
        int name = grid.get(0).indexOf("Name");
        int notes = grid.get(0).indexOf("Notes");
        assertEquals(3, grid.size(), "header and two rows: " + grid);
        assertEquals(List.of("ti_b", "Ben"), List.of(grid.get(1).get(slug), grid.get(1).get(name)), "B stays on top");
        assertEquals(List.of("ti_a", "Ann Again", "VIP, seat 1"),
                List.of(grid.get(2).get(slug), grid.get(2).get(name), grid.get(2).get(notes)), "A updated in place, note kept");
    }

    /**
     * Excel's "CSV UTF-8" starts the file with UTF-8's byte-order mark. Read as part of the header's first cell, it
     * hid the Slug column: no row was found, a second Slug column was added, and new rows overwrote the organizer's.
     */
    @Test
    void aFileSavedWithAByteOrderMarkIsUpdatedInPlaceAndKeepsTheMark() throws Exception {
        Path file = data.resolve("sheets/Tickets.csv");
        Files.createDirectories(file.getParent());
        List<String> header = List.of("Slug", "Reference", "State", "Name", "Email", "Release", "Registration",
                "Event", "Checked in at", "Updated at");
        StringBuilder saved = new StringBuilder("\uFEFF");
        CSVFormat.RFC4180.printRecord(saved, header.toArray());
        CSVFormat.RFC4180.printRecord(saved, "ti_a", "REF-ti_a", "complete", "Ann", "", "", "", "", "",
                "2022-03-26T08:00:00Z");
        Files.writeString(file, saved, StandardCharsets.UTF_8);

        try (TestRelay relay = TestRelay.start(data)) {
            send(relay, Tickets.ticket("ti_b", "complete", "Ben", "2022-03-26 08:00:00 UTC")); // a new ticket
            send(relay, Tickets.ticket("ti_a", "void", "Ann Again", "2022-03-26 09:00:00 UTC")); // the one there
        }

        byte[] bytes = Files.readAllBytes(file);
        assertArrayEquals(new byte[] {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF}, Arrays.copyOf(bytes, 3),
                "the byte-order mark still first, so that Excel reads the file as UTF-8");
        List<List<String>> grid = parse(new String(bytes, 3, bytes.length - 3, StandardCharsets.UTF_8));
        List<String> columns = grid.get(0);
        assertEquals(header, columns.subList(0, header.size()), "the header as it was, questions after it");
        assertEquals(1, Collections.frequency(columns, "Slug"), "one Slug column: " + columns);
        int slug = columns.indexOf("Slug");
        int state = columns.indexOf("State");
        int name = columns.indexOf("Name");
        assertEquals(3, grid.size(), "header and two rows: " + grid);
        assertEquals(List.of("ti_a", "void", "Ann Again"),
                List.of(grid.get(1).get(slug), grid.get(1).get(state), grid.get(1).get(name)), "A updated in place");
        assertEquals(List.of("ti_b", "complete", "Ben"),
                List.of(grid.get(2).get(slug), grid.get(2).get(state), grid.get(2).get(name)), "B added below it");
    }

    /** Sends a ticket.updated and waits until it is dispatched (its row is then in the file). */
    static void send(TestRelay relay, byte[] ticket) throws Exception {
        assertEquals(202, relay.send("ticket.updated", ticket).status());
        TestRelay.await("the delivery's row written", Duration.ofSeconds(30), () -> relay.inbox().isEmpty());
    }

    /** The file as a CSV reader sees it. */
    static List<List<String>> read(Path file) throws Exception {
        return parse(Files.readString(file, StandardCharsets.UTF_8));
    }

    private static List<List<String>> parse(String text) throws Exception {
        List<List<String>> grid = new ArrayList<>();
        try (Reader reader = new StringReader(text)) {
            for (CSVRecord record : CSVFormat.RFC4180.parse(reader)) {
                grid.add(record.toList());
            }
        }
        return grid;
    }
}
