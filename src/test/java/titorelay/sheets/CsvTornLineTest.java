package titorelay.sheets;

import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import titorelay.support.TestRelay;
import titorelay.support.Tickets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The relay adds rows to Tickets.csv by appending lines. If it stopped in the middle of one (a crash), the cut line is
 * left out when the relay starts again, and the ticket's next webhook writes its row whole, once; a ticket appended
 * after that still goes below it.
 */
class CsvTornLineTest {

    @TempDir
    Path data;

    @Test
    void aRowCutOffByACrashIsLeftOutAndWrittenWholeByTheTicketsNextWebhook() throws Exception {
        try (TestRelay relay = TestRelay.start(data)) {
            CsvEditedByHandTest.send(relay, Tickets.ticket("ti_a", "complete", "Ann", "2022-03-26 08:00:00 UTC"));
            CsvEditedByHandTest.send(relay, Tickets.ticket("ti_b", "complete", "Ben", "2022-03-26 08:00:00 UTC"));
        }
        Path file = data.resolve("sheets/Tickets.csv");
        String text = Files.readString(file, StandardCharsets.UTF_8);
        int bLine = text.indexOf("\r\nti_b,") + 2;
        assertTrue(bLine > 1 && text.endsWith("\r\n"), "B's row is the last line: " + text);
        int cut = bLine + "ti_".length(); // the file ends in the middle of B's key
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
            channel.truncate(text.substring(0, cut).getBytes(StandardCharsets.UTF_8).length);
        }

        try (TestRelay relay = TestRelay.start(data)) {
            CsvEditedByHandTest.send(relay, Tickets.ticket("ti_b", "complete", "Ben", "2022-03-26 09:00:00 UTC"));
            CsvEditedByHandTest.send(relay, Tickets.ticket("ti_c", "complete", "Cem", "2022-03-26 09:00:00 UTC"));
        }

        List<List<String>> grid = CsvEditedByHandTest.read(file);
        int slug = grid.get(0).indexOf("Slug");
        int name = grid.get(0).indexOf("Name");
        int updatedAt = grid.get(0).indexOf("Updated at");
        assertEquals(4, grid.size(), "header, A, B and C: " + grid);
        assertEquals(List.of("ti_a", "Ann", "2022-03-26T08:00:00Z"), cells(grid.get(1), slug, name, updatedAt));
        assertEquals(List.of("ti_b", "Ben", "2022-03-26T09:00:00Z"), cells(grid.get(2), slug, name, updatedAt));
        assertEquals(List.of("ti_c", "Cem", "2022-03-26T09:00:00Z"), cells(grid.get(3), slug, name, updatedAt));
        int width = grid.get(0).size();
        grid.forEach(row -> assertEquals(width, row.size(), "every line as wide as the header: " + row));
    }

    private static List<String> cells(List<String> row, int... columns) {
        List<String> cells = new ArrayList<>();
        for (int column : columns) {
            cells.add(row.get(column));
        }
        return cells;
    }
}
