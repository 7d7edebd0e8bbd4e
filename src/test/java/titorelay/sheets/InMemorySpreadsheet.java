package titorelay.sheets;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A spreadsheet held in memory, for the merge-rule tests: tabs of cells, written and read through the
 * {@link Spreadsheet} calls, with reads trimmed as that interface promises. It stands in for the interface, not for
 * Google: the HTTP emulator ({@link SheetsEmulator}) does that.
 */
final class InMemorySpreadsheet implements Spreadsheet {

    private final Map<String, List<List<String>>> tabs = new LinkedHashMap<>();

    @Override
    public List<String> tabs() {
        return List.copyOf(tabs.keySet());
    }

    @Override
    public void addTabs(List<String> titles) throws IOException {
        for (String title : titles) {
            if (tabs.putIfAbsent(title, new ArrayList<>()) != null) {
                throw new IOException("a tab named " + title + " already exists");
            }
        }
    }

    /** The next read of a whole tab fails, as a read Google answers with 429 would. */
    boolean failNextWholeTabRead;

    @Override
    public List<List<List<String>>> read(List<SheetRange> ranges) throws IOException {
        if (failNextWholeTabRead && ranges.stream().anyMatch(range -> range instanceof SheetRange.WholeTab)) {
            failNextWholeTabRead = false;
            throw new IOException("the read of a whole tab failed (a test's fault)");
        }
        List<List<List<String>>> answer = new ArrayList<>();
        for (SheetRange range : ranges) {
            List<List<String>> grid = grid(range.tab());
            List<List<String>> cells = new ArrayList<>();
            if (range instanceof SheetRange.Row row) {
                cells.add(row.row() <= grid.size() ? grid.get(row.row() - 1) : List.of());
            } else if (range instanceof SheetRange.Column column) {
                grid.forEach(r -> cells.add(column.column() < r.size() ? List.of(r.get(column.column())) : List.of()));
            } else {
                cells.addAll(grid);
            }
            answer.add(TrimmedGrid.of(cells));
        }
        return answer;
    }

    @Override
    public void write(List<CellRange> ranges) throws IOException {
        for (CellRange range : ranges) {
            grid(range.tab()); // an unknown tab fails before anything is written
        }
        for (CellRange range : ranges) {
            List<List<String>> grid = grid(range.tab());
            while (grid.size() < range.row()) {
                grid.add(new ArrayList<>());
            }
            List<String> row = grid.get(range.row() - 1);
            for (int i = 0; i < range.values().size(); i++) {
                while (row.size() <= range.column() + i) {
                    row.add("");
                }
                row.set(range.column() + i, range.values().get(i));
            }
        }
    }

    @Override
    public String describe() {
        return "in-memory spreadsheet";
    }

    /** The whole tab, trimmed, as a person would see it. */
    List<List<String>> tab(String name) throws IOException {
        return read(List.of(new SheetRange.WholeTab(name))).get(0);
    }

    /** The rows below the header in a random order, as a person sorting by some column of their own would leave them. */
    void shuffleRows(String tab, java.util.Random random) throws IOException {
        List<List<String>> grid = grid(tab);
        if (grid.size() > 2) {
            java.util.Collections.shuffle(grid.subList(1, grid.size()), random);
        }
    }

    /** The rows below the header, to edit in place as a person would. */
    List<List<String>> tabRows(String tab) throws IOException {
        List<List<String>> grid = grid(tab);
        return grid.subList(1, grid.size());
    }

    /** An empty row inserted below the header at a random place, as a person inserting one would. */
    void insertEmptyRow(String tab, java.util.Random random) throws IOException {
        List<List<String>> grid = grid(tab);
        if (grid.size() > 1) {
            grid.add(1 + random.nextInt(grid.size()), new ArrayList<>());
        }
    }

    /** A column of a person's own inserted at a random place after the first, every row's cell in it {@code value}. */
    void insertColumn(String tab, java.util.Random random, String title, String value) throws IOException {
        List<List<String>> grid = grid(tab);
        if (grid.isEmpty()) {
            return;
        }
        int at = 1 + random.nextInt(grid.get(0).size());
        for (int r = 0; r < grid.size(); r++) {
            List<String> row = grid.get(r);
            while (row.size() < at) {
                row.add("");
            }
            row.add(at, r == 0 ? title : value);
        }
    }

    private List<List<String>> grid(String tab) throws IOException {
        List<List<String>> grid = tabs.get(tab);
        if (grid == null) {
            throw new IOException("no tab " + tab);
        }
        return grid;
    }
}
