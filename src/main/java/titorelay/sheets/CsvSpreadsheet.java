package titorelay.sheets;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.AbstractList;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.RandomAccess;
import java.util.stream.Stream;

/**
 * The local stand-in for Google Sheets: one CSV file per tab in a directory. A spreadsheet program never opens a
 * half-written file: rows added after the last are appended as whole lines in one write call, and any other change
 * replaces the file atomically ({@link CsvTabFile}).
 * <p>
 * Each tab is kept in memory as last written, each row once (its cells), with where its line ends in the file: a
 * flush then neither parses the file again nor encodes the rows it did not change, and adding rows to a large tab
 * costs what the new rows cost. The file is parsed again only when it changed on disk since (someone edited it).
 */
public final class CsvSpreadsheet implements Spreadsheet {

    private final Path directory;
    private final Map<String, CsvTab> tabs = new HashMap<>();
    private final Map<String, ColumnIndex> keyIndexes = new HashMap<>();

    public CsvSpreadsheet(Path directory) {
        this.directory = directory;
    }

    @Override
    public synchronized List<String> tabs() throws IOException {
        if (!Files.isDirectory(directory)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(directory)) {
            return files.map(f -> f.getFileName().toString()).filter(n -> n.endsWith(".csv"))
                    .map(n -> n.substring(0, n.length() - 4)).sorted().toList();
        }
    }

    @Override
    public synchronized void addTabs(List<String> titles) throws IOException {
        Files.createDirectories(directory);
        for (String title : titles) {
            tabs.put(title, CsvTabFile.rewrite(file(title), PackedRows.empty(), 0, false));
        }
    }

    @Override
    public synchronized List<List<List<String>>> read(List<SheetRange> ranges) throws IOException {
        List<List<List<String>>> answer = new ArrayList<>();
        for (SheetRange range : ranges) {
            PackedRows rows = load(range.tab()).rows();
            if (range instanceof SheetRange.Row row) {
                answer.add(rows.size() >= row.row() ? List.of(List.of(rows.get(row.row() - 1))) : List.of());
            } else if (range instanceof SheetRange.Column column) {
                ColumnIndex index = keyIndexes.get(range.tab());
                if (index == null || !index.describes(rows, column.column())) {
                    index = ColumnIndex.of(rows, column.column());
                    keyIndexes.put(range.tab(), index);
                }
                answer.add(new ColumnView(this, rows, column.column(), index));
            } else {
                answer.add(rows.stream().map(List::of).toList());
            }
        }
        return answer;
    }

    @Override
    public synchronized void write(List<CellRange> ranges) throws IOException {
        Map<String, List<CellRange>> byTab = new LinkedHashMap<>();
        for (CellRange range : ranges) {
            byTab.computeIfAbsent(range.tab(), tab -> new ArrayList<>()).add(range);
        }
        for (Map.Entry<String, List<CellRange>> tab : byTab.entrySet()) {
            CsvTab before = load(tab.getKey());
            CsvTabEdit edit = new CsvTabEdit(before, tab.getValue());
            ColumnIndex index = keyIndexes.remove(tab.getKey());
            try {
                CsvTab after = edit.writeTo(file(tab.getKey()));
                tabs.put(tab.getKey(), after);
                if (index != null && index.describes(before.rows(), index.column())
                    && index.follow(after.rows(), edit.changedRows())) {
                    keyIndexes.put(tab.getKey(), index);
                }
            } catch (IOException | RuntimeException e) {
                tabs.remove(tab.getKey()); // the file may hold part of the write: read it again next time
                throw e;
            }
        }
    }

    /**
     * One column of a tab's rows, trimmed as Google trims it, read where the rows are rather than copied: the key
     * column is read before every write, and a tab of 150,000 rows would otherwise be copied into as many lists each
     * time. A tab's rows are never changed once read or written (an edit makes a new list), so the view stays as read.
     * Where a value first appears is looked up in the column's index while the index still describes these rows.
     */
    private static final class ColumnView extends AbstractList<List<String>> implements RandomAccess, IndexedColumn {

        private final CsvSpreadsheet sheet;
        private final PackedRows rows;
        private final int column;
        private final ColumnIndex index;
        private final int size;

        ColumnView(CsvSpreadsheet sheet, PackedRows rows, int column, ColumnIndex index) {
            this.sheet = sheet;
            this.rows = rows;
            this.column = column;
            this.index = index;
            int used = rows.size();
            while (used > 0 && cell(used - 1).isEmpty()) {
                used--;
            }
            this.size = used;
        }

        private String cell(int row) {
            return rows.cell(row, column);
        }

        @Override
        public List<String> get(int row) {
            Objects.checkIndex(row, size);
            String cell = cell(row);
            return cell.isEmpty() ? List.of() : List.of(cell);
        }

        @Override
        public int size() {
            return size;
        }

        @Override
        public int firstRowBelowHeader(String value) {
            if (value.isEmpty()) {
                return -1;
            }
            synchronized (sheet) { // a write moves the index on to the rows it made
                if (index.describes(rows, column)) {
                    return index.firstRowBelowHeader(value);
                }
            }
            for (int row = 1; row < size; row++) { // the tab was written since this view was read
                if (cell(row).equals(value)) {
                    return row;
                }
            }
            return -1;
        }
    }

    @Override
    public String describe() {
        return "CSV files in " + directory.toAbsolutePath();
    }

    private Path file(String tab) {
        return directory.resolve(tab + ".csv");
    }

    /** The tab as the file holds it: from memory, unless the file changed on disk since it was last read or written. */
    private CsvTab load(String name) throws IOException {
        Path file = file(name);
        if (!Files.exists(file)) {
            throw new IOException("no tab " + name + " (" + file + ")");
        }
        BasicFileAttributes onDisk = Files.readAttributes(file, BasicFileAttributes.class);
        CsvTab tab = tabs.get(name);
        if (tab == null || !onDisk.lastModifiedTime().equals(tab.modified()) || onDisk.size() != tab.size()) {
            tab = CsvTabFile.read(file);
            tabs.put(name, tab);
        }
        return tab;
    }
}
