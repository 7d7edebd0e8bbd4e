package titorelay.sheets;

import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import titorelay.support.TestRelay;
import titorelay.support.Tickets;

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

    /** Sends a ticket.updated and waits until it is dispatched (its row is then in the file). */
    static void send(TestRelay relay, byte[] ticket) throws Exception {
        assertEquals(202, relay.send("ticket.updated", ticket).status());
        TestRelay.await("the delivery's row written", Duration.ofSeconds(30), () -> relay.inbox().isEmpty());
    }

    /** The file as a CSV reader sees it. */
    static List<List<String>> read(Path file) throws Exception {
        List<List<String>> grid = new ArrayList<>();
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            for (CSVRecord record : CSVFormat.RFC4180.parse(reader)) {
                grid.add(record.toList());
            }
        }
        return grid;
    }
}
