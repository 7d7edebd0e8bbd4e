package titorelay.sheets;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.stream.Collectors;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Where the CSV sheet says a key first appears below the header (which the sheet's writer asks for each key of a flush
 * instead of scanning the key column) is where a scan of the grid the test keeps itself finds it: through writes that
 * add rows, change keys, repeat keys and empty rows at the end, through edits of the file by hand, and from a column
 * read before a write.
 */
class CsvKeyColumnIndexTest {

    private static final String TAB = "Tickets";
    private static final List<String> VALUES = List.of("", "a", "b", "c", "d", "e", "f", "g", "h");

    @TempDir
    Path directory;

    private CsvSpreadsheet sheet;
    /** What the tab must hold, kept by the test: row i (0 = the header) is grid.get(i). */
    private final List<List<String>> grid = new ArrayList<>();

    @BeforeEach
    void createTab() throws Exception {
        sheet = new CsvSpreadsheet(directory);
        sheet.addTabs(List.of(TAB));
    }

    @Test
    void aKeysFirstRowIsWhereAScanFindsItThroughWritesAndEditsByHand() throws Exception {
        Random random = new Random(13);
        write(List.of(cells(1, 0, "Reference", "Name", "Email")));
        int handEdits = 0;
        int keyChangesOfAFirstRow = 0;
        for (int step = 0; step < 1000; step++) {
            int column = random.nextInt(10) == 0 ? 1 : 0; // now and then another column is asked for
            if (random.nextInt(40) == 0) {
                editByHand(random);
                handEdits++;
            } else {
                List<CellRange> ranges = new ArrayList<>();
                int count = 1 + random.nextInt(4);
                for (int i = 0; i < count; i++) {
                    int row = 2 + random.nextInt(grid.size() + 3 - 1); // existing rows, and up to two beyond
                    List<String> values = new ArrayList<>();
                    for (int n = random.nextInt(3) + 1; n > 0; n--) {
                        values.add(VALUES.get(random.nextInt(VALUES.size())));
                    }
                    int at = random.nextInt(2);
                    if (at == 0 && !cell(row - 1, 0).isEmpty() && firstRow(cell(row - 1, 0), 0) == row - 1
                        && !values.get(0).equals(cell(row - 1, 0))) {
                        keyChangesOfAFirstRow++;
                    }
                    ranges.add(cells(row, at, values.toArray(String[]::new)));
                }
                write(ranges);
            }
            assertFirstRows(column);
        }
        assertTrue(handEdits > 15 && keyChangesOfAFirstRow > 40,
                "the steps edited the file " + handEdits + " times and changed a key's first row "
                + keyChangesOfAFirstRow + " times");
    }

    /**
     * Thousands of keys (the index grows many times), among them keys whose strings hash alike ("Aa" and "BB" do,
     * and so does every string made of them alone), and non-ASCII ones: each key's row is where a scan finds it,
     * whether the index was made from the file or followed the writes that added the rows.
     */
    @Test
    void manyKeysAndKeysThatHashAlikeAreEachFoundAtTheirOwnRow() throws Exception {
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < 512; i++) { // 512 strings of "Aa" and "BB", all with one hash
            StringBuilder key = new StringBuilder();
            for (int bit = 0; bit < 9; bit++) {
                key.append((i >> bit & 1) == 0 ? "Aa" : "BB");
            }
            keys.add(key.toString());
        }
        for (int i = 0; i < 3_000; i++) {
            keys.add(i % 7 == 0 ? "tï_" + i + "_日本" : "ti_" + i);
        }
        assertEquals("AaAaAaAaAaAaAaAaAa".hashCode(), keys.get(511).hashCode(), "they hash alike");
        write(List.of(cells(1, 0, "Slug")));
        IndexedColumn empty = keyColumn(0); // the index is made while the tab has only its header
        assertEquals(-1, empty.firstRowBelowHeader("ti_1"));
        for (int from = 0; from < keys.size(); from += 500) { // flushes of 500 rows each, followed by the index
            List<CellRange> flush = new ArrayList<>();
            for (int i = from; i < Math.min(keys.size(), from + 500); i++) {
                flush.add(cells(i + 2, 0, keys.get(i), "name " + i));
            }
            write(flush);
        }
        IndexedColumn followed = keyColumn(0);
        for (int i = 0; i < keys.size(); i++) {
            assertEquals(i + 1, followed.firstRowBelowHeader(keys.get(i)), keys.get(i));
        }
        assertEquals(-1, followed.firstRowBelowHeader("BBBBBBBBBBBBBBBBBBAa"));
        assertEquals(-1, followed.firstRowBelowHeader("name 1"));

        CsvSpreadsheet readAgain = new CsvSpreadsheet(directory); // the index made from the file
        IndexedColumn made = assertInstanceOf(IndexedColumn.class,
                readAgain.read(List.of(new SheetRange.Column(TAB, 0))).get(0));
        for (int i = 0; i < keys.size(); i++) {
            assertEquals(i + 1, made.firstRowBelowHeader(keys.get(i)), keys.get(i));
        }
    }

    @Test
    void aColumnReadBeforeAWriteStillAnswersForTheRowsItRead() throws Exception {
        write(List.of(cells(1, 0, "Reference"), cells(2, 0, "a"), cells(3, 0, "b")));
        IndexedColumn before = keyColumn(0);
        write(List.of(cells(2, 0, "b"), cells(4, 0, "a")));

        assertEquals(1, before.firstRowBelowHeader("a"));
        assertEquals(2, before.firstRowBelowHeader("b"));
        assertEquals(3, keyColumn(0).firstRowBelowHeader("a"));
        assertEquals(1, keyColumn(0).firstRowBelowHeader("b"));
    }

    @Test
    void theHeaderIsNoRowOfAKey() throws Exception {
        write(List.of(cells(1, 0, "a"), cells(2, 0, "b"), cells(3, 0, "a")));

        assertEquals(2, keyColumn(0).firstRowBelowHeader("a"));
        assertEquals(-1, keyColumn(0).firstRowBelowHeader("Reference"));
        assertEquals(-1, keyColumn(0).firstRowBelowHeader(""));
    }

    private void assertFirstRows(int column) throws Exception {
        IndexedColumn read = keyColumn(column);
        for (String value : VALUES) {
            if (!value.isEmpty()) {
                assertEquals(firstRow(value, column), read.firstRowBelowHeader(value),
                        "first row of " + value + " in column " + column + " of " + grid);
            }
        }
    }

    private IndexedColumn keyColumn(int column) throws Exception {
        return assertInstanceOf(IndexedColumn.class,
                sheet.read(List.of(new SheetRange.Column(TAB, column))).get(0));
    }

    /** A scan of the test's own grid. */
    private int firstRow(String value, int column) {
        for (int row = 1; row < grid.size(); row++) {
            if (cell(row, column).equals(value)) {
                return row;
            }
        }
        return -1;
    }

    private String cell(int row, int column) {
        if (row >= grid.size()) {
            return "";
        }
        List<String> cells = grid.get(row);
        return column < cells.size() ? cells.get(column) : "";
    }

    private void write(List<CellRange> ranges) throws Exception {
        sheet.write(ranges);
    }

    /** Cells from {@code column} of row {@code row} (1 = header), recorded in the test's grid as they are written. */
    private CellRange cells(int row, int column, String... values) {
        while (grid.size() < row) {
            grid.add(new ArrayList<>());
        }
        List<String> cells = grid.get(row - 1);
        while (cells.size() < column + values.length) {
            cells.add("");
        }
        for (int i = 0; i < values.length; i++) {
            cells.set(column + i, values[i]);
        }
        return new CellRange(TAB, row, column, List.of(values));
    }

    /** Someone sorts the rows below the header, or moves one key to the top, and saves the file. */
    private void editByHand(Random random) throws Exception {
        List<List<String>> body = new ArrayList<>(grid.subList(1, grid.size()));
        if (random.nextBoolean()) {
            Collections.shuffle(body, random);
        } else if (!body.isEmpty()) {
            body.add(0, new ArrayList<>(body.get(body.size() - 1)));
        }
        grid.subList(1, grid.size()).clear();
        grid.addAll(body);
        Path file = directory.resolve(TAB + ".csv");
        FileTime written = Files.getLastModifiedTime(file);
        int width = grid.stream().mapToInt(List::size).max().orElse(1);
        Files.writeString(file, grid.stream().map(cells -> {
            List<String> padded = new ArrayList<>(cells); // as wide as the widest, as a spreadsheet program saves it
            padded.addAll(Collections.nCopies(width - cells.size(), ""));
            return String.join(",", padded);
        }).collect(Collectors.joining("\r\n", "", "\r\n")), StandardCharsets.UTF_8);
        Files.setLastModifiedTime(file, FileTime.fromMillis(written.toMillis() + 1000));
    }
}
