package titorelay.sheets;

import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVRecord;
import titorelay.storage.OwnerOnly;

/**
 * The local stand-in for Google Sheets: one CSV file per tab in a directory, each replaced atomically on every
 * write, so a spreadsheet program never opens a half-written file.
 * <p>
 * Each tab's grid is kept in memory as last written, with each row's CSV text: a flush then neither parses the file
 * again nor encodes the rows it did not change (for a sheet of 100,000 rows, those were most of a flush's time). The
 * file is parsed again only when it changed on disk since (someone edited it).
 */
public final class CsvSpreadsheet implements Spreadsheet {

    /** A tab as last read or written: its trimmed grid, each row as a CSV record, and the file it matches. */
    private record Tab(List<List<String>> grid, List<String> records, int width, FileTime modified, long size) {
    }

    private final Path directory;
    private final Map<String, Tab> tabs = new HashMap<>();

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
        for (String title : titles) {
            replace(title, new Tab(List.of(), List.of(), 0, null, 0));
        }
    }

    @Override
    public synchronized List<List<List<String>>> read(List<SheetRange> ranges) throws IOException {
        List<List<List<String>>> answer = new ArrayList<>();
        for (SheetRange range : ranges) {
            List<List<String>> grid = load(range.tab()).grid();
            if (range instanceof SheetRange.Row row) {
                answer.add(grid.size() >= row.row() ? List.of(grid.get(row.row() - 1)) : List.of());
            } else if (range instanceof SheetRange.Column column) {
                List<List<String>> cells = new ArrayList<>();
                for (List<String> cellsOfRow : grid) {
                    cells.add(column.column() < cellsOfRow.size() ? List.of(cellsOfRow.get(column.column())) : List.of());
                }
                answer.add(TrimmedGrid.of(cells));
            } else {
                answer.add(grid);
            }
        }
        return answer;
    }

    @Override
    public synchronized void write(List<CellRange> ranges) throws IOException {
        List<String> written = ranges.stream().map(CellRange::tab).distinct().toList();
        for (String name : written) {
            Tab tab = load(name);
            List<List<String>> grid = new ArrayList<>(tab.grid());
            Set<Integer> changed = new HashSet<>();
            for (CellRange range : ranges) {
                if (!range.tab().equals(name)) {
                    continue;
                }
                while (grid.size() < range.row()) {
                    grid.add(new ArrayList<>());
                }
                int index = range.row() - 1;
                if (changed.add(index)) {
                    grid.set(index, new ArrayList<>(grid.get(index))); // the cached row stays as it was on disk
                }
                List<String> row = grid.get(index);
                for (int i = 0; i < range.values().size(); i++) {
                    int column = range.column() + i;
                    while (row.size() <= column) {
                        row.add("");
                    }
                    row.set(column, range.values().get(i));
                }
            }
            for (int index : changed) {
                List<String> row = grid.get(index);
                row.subList(TrimmedGrid.usedWidth(row), row.size()).clear();
            }
            while (!grid.isEmpty() && grid.get(grid.size() - 1).isEmpty()) {
                grid.remove(grid.size() - 1);
            }
            int width = grid.stream().mapToInt(List::size).max().orElse(0);
            List<String> records = new ArrayList<>(tab.records().subList(0, Math.min(tab.records().size(), grid.size())));
            for (int index = 0; index < grid.size(); index++) {
                if (width != tab.width() || index >= records.size()) {
                    String record = record(grid.get(index), width);
                    if (index < records.size()) {
                        records.set(index, record);
                    } else {
                        records.add(record);
                    }
                } else if (changed.contains(index)) {
                    records.set(index, record(grid.get(index), width));
                }
            }
            replace(name, new Tab(grid, records, width, null, 0));
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
    private Tab load(String name) throws IOException {
        Path file = file(name);
        if (!Files.exists(file)) {
            throw new IOException("no tab " + name + " (" + file + ")");
        }
        BasicFileAttributes onDisk = Files.readAttributes(file, BasicFileAttributes.class);
        Tab tab = tabs.get(name);
        if (tab != null && onDisk.lastModifiedTime().equals(tab.modified()) && onDisk.size() == tab.size()) {
            return tab;
        }
        List<List<String>> parsed = new ArrayList<>();
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            for (CSVRecord record : CSVFormat.RFC4180.parse(reader)) {
                List<String> row = new ArrayList<>();
                record.forEach(cell -> row.add(CsvFormulaGuard.unguard(cell)));
                parsed.add(row);
            }
        }
        List<List<String>> grid = TrimmedGrid.of(parsed);
        int width = grid.stream().mapToInt(List::size).max().orElse(0);
        List<String> records = new ArrayList<>();
        grid.forEach(row -> records.add(record(row, width)));
        tab = new Tab(grid, records, width, onDisk.lastModifiedTime(), onDisk.size());
        tabs.put(name, tab);
        return tab;
    }

    /** The tab's records written to a hidden file, renamed over the tab's file; then remembered as the file is. */
    private void replace(String name, Tab tab) throws IOException {
        Files.createDirectories(directory);
        Path tmp = directory.resolve("." + name + ".csv.tmp");
        try (Writer writer = OwnerOnly.newWriter(tmp, StandardCharsets.UTF_8)) {
            for (String record : tab.records()) {
                writer.write(record);
            }
        }
        Path file = file(name);
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        BasicFileAttributes written = Files.readAttributes(file, BasicFileAttributes.class);
        tabs.put(name, new Tab(tab.grid(), tab.records(), tab.width(), written.lastModifiedTime(), written.size()));
    }

    /** One row as a CSV record (its line break included), padded to the tab's width, formulas guarded. */
    private static String record(List<String> row, int width) {
        Object[] cells = new Object[width];
        for (int c = 0; c < width; c++) {
            cells[c] = CsvFormulaGuard.guard(c < row.size() ? row.get(c) : "");
        }
        StringBuilder record = new StringBuilder();
        try {
            CSVFormat.RFC4180.printRecord(record, cells);
        } catch (IOException cannotHappen) {
            throw new IllegalStateException(cannotHappen);
        }
        return record.toString();
    }
}
