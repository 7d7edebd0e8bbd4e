package titorelay.sheets;

import java.io.ByteArrayOutputStream;
import java.io.Reader;
import java.io.StringReader;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVRecord;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import titorelay.Timestamps;
import titorelay.sheets.SheetColumns.RowChange;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The CSV tab's file as a spreadsheet program reads it, cell by cell, against a grid the test keeps itself: rows added
 * after the last are appended to the same file, rows changed in the middle replace it, a last line a crash cut off
 * is left out and written again, and a file edited by hand is read again before the next write.
 */
class CsvTabFileTest {

    private static final String TAB = "Tickets";

    @TempDir
    Path directory;

    private CsvSpreadsheet sheet;
    /** What the file must hold, kept by the test: row i of the file is expected.get(i). */
    private final List<List<String>> expected = new ArrayList<>();

    @BeforeEach
    void createTab() throws Exception {
        sheet = new CsvSpreadsheet(directory);
        sheet.addTabs(List.of(TAB));
    }

    private Path file() {
        return directory.resolve(TAB + ".csv");
    }

    /** Writes the cells from column 0 of row {@code row} (1 = header), and records them in the expected grid. */
    private CellRange cells(int row, String... values) {
        while (expected.size() < row) {
            expected.add(new ArrayList<>());
        }
        List<String> cells = expected.get(row - 1);
        for (int c = 0; c < values.length; c++) {
            while (cells.size() <= c) {
                cells.add("");
            }
            cells.set(c, values[c]);
        }
        return new CellRange(TAB, row, 0, List.of(values));
    }

    /** Ticket {@code n}'s row in version {@code version}: text that needs quoting, and a formula-looking cell. */
    private static String[] ticket(int n, int version) {
        return new String[] {"ti_" + n, "REF" + n, version == 0 ? "incomplete" : "complete v" + version,
                "Person \"" + n + "\", of\nsomewhere", n % 7 == 0 ? "=SUM(A" + n + ")" : "p" + n + "@example.com"};
    }

    /** The file parsed by a CSV reader, each cell's guarding apostrophe removed, rows padded to the widest. */
    private List<List<String>> csv() throws Exception {
        return csv(Files.readString(file(), StandardCharsets.UTF_8));
    }

    private static List<List<String>> csv(String text) throws Exception {
        List<List<String>> grid = new ArrayList<>();
        try (Reader reader = new StringReader(text)) {
            for (CSVRecord record : CSVFormat.RFC4180.parse(reader)) {
                List<String> row = new ArrayList<>();
                record.forEach(cell -> row.add(cell.startsWith("'=") ? cell.substring(1) : cell));
                grid.add(row);
            }
        }
        return grid;
    }

    /** The expected grid as the file holds it: every row padded with empty cells to the widest row. */
    private List<List<String>> expectedFile() {
        int width = expected.stream().mapToInt(List::size).max().orElse(0);
        List<List<String>> padded = new ArrayList<>();
        for (List<String> row : expected) {
            List<String> cells = new ArrayList<>(row);
            while (cells.size() < width) {
                cells.add("");
            }
            padded.add(cells);
        }
        return padded;
    }

    private Object inode() throws Exception {
        return Files.readAttributes(file(), BasicFileAttributes.class).fileKey();
    }

    private void header() throws Exception {
        sheet.write(List.of(cells(1, "Slug", "Reference", "State", "Name", "Email")));
    }

    /** Tickets {@code from} to {@code to} (excluded) in one write, each in row 2 + its number. */
    private void writeTickets(int from, int to) throws Exception {
        List<CellRange> rows = new ArrayList<>();
        for (int n = from; n < to; n++) {
            rows.add(cells(2 + n, ticket(n, 0)));
        }
        sheet.write(rows);
    }

    @Test
    void rowsAddedAfterTheLastAreAppendedToTheSameFileAndTheLinesBeforeStayAsTheyWere() throws Exception {
        header();
        writeTickets(0, 50);
        Object inode = inode();
        byte[] before = Files.readAllBytes(file());

        writeTickets(50, 120);

        assertEquals(inode, inode(), "the same file, appended to (not replaced)");
        byte[] after = Files.readAllBytes(file());
        assertEquals(new String(before, StandardCharsets.UTF_8),
                new String(after, 0, before.length, StandardCharsets.UTF_8), "the lines before are unchanged");
        assertEquals(expectedFile(), csv());
        assertEquals(PosixFilePermissions.fromString("rw-------"), Files.getPosixFilePermissions(file()));
        assertTrue(Files.readString(file()).contains(",'=SUM(A7)\r\n"), "a formula-looking cell is still guarded");
    }

    @Test
    void rowsChangedInTheMiddleAndRowsAddedReplaceTheFileWithEveryCellAsWritten() throws Exception {
        header();
        writeTickets(0, 300);
        Random random = new Random(13);
        for (int flush = 1; flush <= 5; flush++) {
            // Compared flush by flush: the replacement is made while the file it replaces still exists, so their
            // inodes differ, but a later replacement may be given an inode freed by an earlier one.
            Object inode = inode();
            List<CellRange> changes = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                int n = random.nextInt(expected.size() - 1);
                changes.add(cells(2 + n, ticket(n, flush)));
            }
            changes.add(cells(2 + expected.size() - 1, ticket(expected.size() - 1, 0))); // and one new row
            changes.add(new CellRange(TAB, 2, 2, List.of("only the State of the first row, flush " + flush)));
            expected.get(1).set(2, "only the State of the first row, flush " + flush);
            sheet.write(changes);
            assertEquals(expectedFile(), csv(), "after flush " + flush);
            assertNotEquals(inode, inode(), "replaced, never changed in place, at flush " + flush);
        }
        assertEquals(PosixFilePermissions.fromString("rw-------"), Files.getPosixFilePermissions(file()));

        // Read again from the file alone (a restart), every cell is what was written.
        List<List<String>> afterRestart = new CsvSpreadsheet(directory).read(List.of(new SheetRange.WholeTab(TAB))).get(0);
        assertEquals(expected, afterRestart);
    }

    @Test
    void aColumnIsReadAsGoogleReadsIt() throws Exception {
        header();
        sheet.write(List.of(cells(2, "ti_a", "REF-a"), cells(3, "", "REF-no-slug"), cells(4, "ti_c"),
                cells(5, "", "REF-last-no-slug")));

        for (int column = 0; column < 3; column++) {
            // Google's answer: one list per row from the header down, [cell] or [] for a blank, none after the last.
            List<List<String>> google = new ArrayList<>();
            for (List<String> row : expected) {
                String cell = column < row.size() ? row.get(column) : "";
                google.add(cell.isEmpty() ? List.of() : List.of(cell));
            }
            while (!google.isEmpty() && google.get(google.size() - 1).isEmpty()) {
                google.remove(google.size() - 1);
            }
            assertEquals(google, sheet.read(List.of(new SheetRange.Column(TAB, column))).get(0), "column " + column);
        }
    }

    @Test
    void aRowNoLongerTheWidestNarrowsEveryLine() throws Exception {
        header();
        writeTickets(0, 20);
        sheet.write(List.of(new CellRange(TAB, 7, 5, List.of("a note", "a second note"))));
        assertEquals(7, csv().get(0).size(), "every line as wide as the widest row");

        sheet.write(List.of(new CellRange(TAB, 7, 5, List.of("", "")))); // cleared: back to five columns

        List<List<String>> grid = csv();
        for (List<String> row : grid) {
            assertEquals(5, row.size(), "each line as wide as the widest row left: " + row);
        }
        assertEquals(List.of(ticket(5, 0)), grid.get(6), "the row whose notes were cleared");
    }

    /** Where the crash cut B's line: inside its slug, or inside its quoted name just after the line break there. */
    @ParameterizedTest(name = "cut after \"{0}\"")
    @ValueSource(strings = {"ti_", "Ben \"\"the\n"})
    void aLastLineACrashCutOffIsLeftOutAndTheRowIsWrittenAgainByItsRedispatchedWebhook(String cutAfter) throws Exception {
        SheetColumns columns = SheetColumns.load(Path.of("sheet-columns.yaml"));
        SheetBook book = new SheetBook(columns);
        book.load(sheet);
        RowChange a = change("ti_a", "Ann");
        RowChange b = change("ti_b", "Ben \"the\nsecond\"");
        book.apply(a);
        sheet.write(book.pendingWrites(sheet));
        book.written();
        long beforeB = Files.size(file());
        book.apply(b);
        sheet.write(book.pendingWrites(sheet));
        book.written();
        byte[] whole = Files.readAllBytes(file());
        String bLine = new String(whole, (int) beforeB, (int) (whole.length - beforeB), StandardCharsets.UTF_8);
        assertTrue(bLine.startsWith("ti_b,"), "B's row was appended last: " + bLine);

        // A crash while B's row was being added: the file ends within B's line.
        int cut = bLine.indexOf(cutAfter) + cutAfter.length();
        assertTrue(cut > cutAfter.length() - 1 && cut < bLine.length(), cutAfter + " in " + bLine);
        try (FileChannel channel = FileChannel.open(file(), StandardOpenOption.WRITE)) {
            channel.truncate(beforeB + bLine.substring(0, cut).getBytes(StandardCharsets.UTF_8).length);
        }

        // The restart: the tab is read from the file; B's webhook is dispatched again.
        CsvSpreadsheet restarted = new CsvSpreadsheet(directory);
        SheetBook reloaded = new SheetBook(columns);
        reloaded.load(restarted);
        List<List<String>> read = restarted.read(List.of(new SheetRange.WholeTab(TAB))).get(0);
        assertEquals(2, read.size(), "header and A: the cut-off row is left out, " + read);
        assertTrue(reloaded.apply(b));
        restarted.write(reloaded.pendingWrites(restarted));
        reloaded.written();

        byte[] repaired = Files.readAllBytes(file());
        assertEquals(new String(whole, StandardCharsets.UTF_8), new String(repaired, StandardCharsets.UTF_8),
                "the file as it was before the crash: A once, B once and whole");
    }

    private static RowChange change(String slug, String name) {
        return new RowChange(TAB, slug, Map.of("Slug", slug, "Name", name, "Updated at", "2022-03-26T08:00:00Z"),
                Map.of(), Timestamps.parse("2022-03-26T08:00:00Z"));
    }

    /** UTF-8's byte-order mark, as Excel's "CSV UTF-8" starts a file. */
    private static final byte[] BOM = {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF};

    /** The file after its byte-order mark, which must still be first, parsed as {@link #csv()} parses it. */
    private List<List<String>> csvAfterTheByteOrderMark(String after) throws Exception {
        byte[] bytes = Files.readAllBytes(file());
        assertArrayEquals(BOM, Arrays.copyOf(bytes, BOM.length), "the byte-order mark still first, " + after);
        return csv(new String(bytes, BOM.length, bytes.length - BOM.length, StandardCharsets.UTF_8));
    }

    /**
     * A file saved with a byte-order mark, its lines otherwise as the relay writes them: the mark is not part of the
     * header's first cell, and each way of writing (appending, replacing with unchanged lines copied, rewriting
     * whole) keeps it first.
     */
    @Test
    void aByteOrderMarkIsNotPartOfTheFirstCellAndStaysFirstWhateverTheWrite() throws Exception {
        StringBuilder text = new StringBuilder();
        for (String[] row : List.of(new String[] {"Slug", "Reference", "State", "Name", "Email"}, ticket(1, 0),
                ticket(2, 0))) {
            CSVFormat.RFC4180.printRecord(text, (Object[]) row);
            expected.add(new ArrayList<>(List.of(row)));
        }
        ByteArrayOutputStream saved = new ByteArrayOutputStream();
        saved.write(BOM);
        saved.write(text.toString().getBytes(StandardCharsets.UTF_8));
        Files.write(file(), saved.toByteArray());

        assertEquals(expected, sheet.read(List.of(new SheetRange.WholeTab(TAB))).get(0), "Slug, without the mark");

        Object inode = inode();
        sheet.write(List.of(cells(4, ticket(3, 0))));
        assertEquals(inode, inode(), "a row added after the last is appended to the same file");
        assertEquals(expectedFile(), csvAfterTheByteOrderMark("after a row was appended"));

        sheet.write(List.of(cells(3, ticket(2, 1)))); // same width: the other lines copied as they are
        assertEquals(expectedFile(), csvAfterTheByteOrderMark("after a row was changed"));

        sheet.write(List.of(new CellRange(TAB, 2, 5, List.of("a note")))); // wider: every line written anew
        expected.get(1).add("a note");
        assertEquals(expectedFile(), csvAfterTheByteOrderMark("after the file was rewritten"));

        assertEquals(expected, new CsvSpreadsheet(directory).read(List.of(new SheetRange.WholeTab(TAB))).get(0),
                "read again from the file alone (a restart), the first cell is Slug");
    }

    @Test
    void aFileEditedByHandIsReadAgainBeforeRowsAreAppended() throws Exception {
        header();
        writeTickets(0, 10);

        // By hand, with a program that writes LF line ends: row 3 changed, and a Notes column with one note.
        List<List<String>> edited = csv();
        edited.get(3).set(3, "Edited by hand");
        expected.get(3).set(3, "Edited by hand");
        edited.get(0).add("Notes");
        expected.get(0).add("Notes");
        edited.get(5).add("VIP");
        expected.get(5).add("VIP");
        StringBuilder text = new StringBuilder();
        CSVFormat lf = CSVFormat.RFC4180.builder().setRecordSeparator("\n").build();
        for (List<String> row : edited) {
            lf.printRecord(text, row.toArray());
        }
        Files.writeString(file(), text, StandardCharsets.UTF_8);
        assertFalse(Files.readString(file()).contains("\r\n"));

        sheet.write(List.of(cells(12, ticket(10, 0)), cells(13, ticket(11, 0))));

        assertEquals(expectedFile(), csv(), "the hand edits kept, the new rows added");
        sheet.write(List.of(cells(14, ticket(12, 0))));
        assertEquals(expectedFile(), csv(), "and appended to afterwards");
    }
}
