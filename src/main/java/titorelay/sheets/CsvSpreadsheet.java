package titorelay.sheets;

import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVPrinter;
import org.apache.commons.csv.CSVRecord;
import titorelay.storage.OwnerOnly;

/**
 * The local stand-in for Google Sheets: one CSV file per tab in a directory, each replaced atomically on every
 * write, so a spreadsheet program never opens a half-written file.
 */
public final class CsvSpreadsheet implements Spreadsheet {

    private final Path directory;

    public CsvSpreadsheet(Path directory) {
        this.directory = directory;
    }

    @Override
    public List<String> tabs() throws IOException {
        if (!Files.isDirectory(directory)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(directory)) {
            return files.map(f -> f.getFileName().toString()).filter(n -> n.endsWith(".csv"))
                    .map(n -> n.substring(0, n.length() - 4)).sorted().toList();
        }
    }

    @Override
    public void addTabs(List<String> titles) throws IOException {
        for (String title : titles) {
            replace(title, List.of());
        }
    }

    @Override
    public List<List<List<String>>> read(List<SheetRange> ranges) throws IOException {
        List<List<List<String>>> answer = new ArrayList<>();
        for (SheetRange range : ranges) {
            List<List<String>> grid = load(range.tab());
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
    public void write(List<CellRange> ranges) throws IOException {
        List<String> tabs = ranges.stream().map(CellRange::tab).distinct().toList();
        for (String tab : tabs) {
            List<List<String>> grid = new ArrayList<>();
            load(tab).forEach(row -> grid.add(new ArrayList<>(row)));
            for (CellRange range : ranges) {
                if (!range.tab().equals(tab)) {
                    continue;
                }
                while (grid.size() < range.row()) {
                    grid.add(new ArrayList<>());
                }
                List<String> row = grid.get(range.row() - 1);
                for (int i = 0; i < range.values().size(); i++) {
                    int column = range.column() + i;
                    while (row.size() <= column) {
                        row.add("");
                    }
                    row.set(column, range.values().get(i));
                }
            }
            replace(tab, grid);
        }
    }

    @Override
    public String describe() {
        return "CSV files in " + directory.toAbsolutePath();
    }

    private Path file(String tab) {
        return directory.resolve(tab + ".csv");
    }

    private List<List<String>> load(String tab) throws IOException {
        Path file = file(tab);
        if (!Files.exists(file)) {
            throw new IOException("no tab " + tab + " (" + file + ")");
        }
        List<List<String>> grid = new ArrayList<>();
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            for (CSVRecord record : CSVFormat.RFC4180.parse(reader)) {
                List<String> row = new ArrayList<>();
                record.forEach(cell -> row.add(CsvFormulaGuard.unguard(cell)));
                grid.add(row);
            }
        }
        return TrimmedGrid.of(grid);
    }

    private void replace(String tab, List<List<String>> grid) throws IOException {
        Files.createDirectories(directory);
        int width = grid.stream().mapToInt(List::size).max().orElse(0);
        Path tmp = directory.resolve("." + tab + ".csv.tmp");
        try (Writer writer = OwnerOnly.newWriter(tmp, StandardCharsets.UTF_8);
             CSVPrinter printer = new CSVPrinter(writer, CSVFormat.RFC4180)) {
            for (List<String> row : grid) {
                List<String> padded = new ArrayList<>();
                for (int c = 0; c < width; c++) {
                    padded.add(CsvFormulaGuard.guard(c < row.size() ? row.get(c) : ""));
                }
                printer.printRecord(padded);
            }
        }
        Files.move(tmp, file(tab), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }
}
