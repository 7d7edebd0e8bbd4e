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
import java.util.regex.Matcher;
import java.util.regex.Pattern;
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

    private static final Pattern RANGE = Pattern.compile("'((?:[^']|'')*)'(?:!(?:(\\d+):(\\d+)|([A-Z]+):([A-Z]+)))?");

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
    public List<List<List<String>>> read(List<String> ranges) throws IOException {
        List<List<List<String>>> answer = new ArrayList<>();
        for (String range : ranges) {
            Matcher m = RANGE.matcher(range);
            if (!m.matches()) {
                throw new IllegalArgumentException("unsupported range " + range);
            }
            List<List<String>> grid = load(m.group(1).replace("''", "'"));
            if (m.group(2) != null) {
                int row = Integer.parseInt(m.group(2));
                answer.add(grid.size() >= row ? List.of(grid.get(row - 1)) : List.of());
            } else if (m.group(4) != null) {
                int column = columnIndex(m.group(4));
                List<List<String>> cells = new ArrayList<>();
                for (List<String> row : grid) {
                    cells.add(column < row.size() ? List.of(row.get(column)) : List.of());
                }
                answer.add(trim(cells));
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
        return trim(grid);
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

    /** Like Google: no trailing empty cells in a row, no trailing empty rows. */
    private static List<List<String>> trim(List<List<String>> grid) {
        List<List<String>> trimmed = new ArrayList<>();
        for (List<String> row : grid) {
            int end = row.size();
            while (end > 0 && row.get(end - 1).isEmpty()) {
                end--;
            }
            trimmed.add(new ArrayList<>(row.subList(0, end)));
        }
        while (!trimmed.isEmpty() && trimmed.get(trimmed.size() - 1).isEmpty()) {
            trimmed.remove(trimmed.size() - 1);
        }
        return trimmed;
    }

    private static int columnIndex(String letters) {
        int index = 0;
        for (char c : letters.toCharArray()) {
            index = index * 26 + (c - 'A' + 1);
        }
        return index - 1;
    }
}
