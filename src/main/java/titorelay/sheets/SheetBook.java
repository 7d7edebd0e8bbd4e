package titorelay.sheets;

import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import titorelay.Timestamps;
import titorelay.sheets.SheetColumns.RowChange;
import titorelay.sheets.SheetColumns.Tab;

/**
 * What the relay knows of the spreadsheet, and what it still has to write. Changes are merged per row (a later
 * change to the same row replaces an earlier one's cells), and everything pending goes out in one write.
 * <p>
 * Rows are found by their key, never by a remembered position: before each write the key column and the header
 * row are read again, so rows a person re-sorted, and columns a person inserted, are still written in the right
 * place. Cells of columns the relay does not manage are never written. Used by one thread at a time.
 * <p>
 * Neither Google nor a file can tie a write to what was read before it: rows sorted between the read and the write
 * get cells meant for the rows that were there. So the rows of each write are checked at the next read (the next
 * write's, or one of their own at the next flush time). If one is no longer where it was written, the tab is read
 * whole, and every row unlike what the relay knows of it is written again in the columns the relay manages. The key
 * cell of a row found by its key is never written, so that it stays a true witness of where the row is.
 */
final class SheetBook {

    private static final Logger LOG = LoggerFactory.getLogger(SheetBook.class);

    /**
     * The dirty columns of a row new to the book: every cell it has. Each of its cells came from a change since the
     * last write, so they need not be listed one by one (thirty entries a new row, kept until the flush).
     */
    private static final Set<String> WHOLE_ROW = Collections.unmodifiableSet(new LinkedHashSet<>());

    private final SheetColumns columns;
    private final Map<String, TabState> tabs = new LinkedHashMap<>();
    private boolean loaded;

    /** A row a write put: the key written for, and the row number it was at when read. */
    private record Placement(String key, int row) {
    }

    private static final class TabState {
        final Tab config;
        /** The tab's title in the spreadsheet: the configured name, or an existing tab's spelling of it in other case. */
        final String title;
        final TabRows rows = new TabRows();
        final Map<String, Set<String>> dirty = new LinkedHashMap<>();
        final Set<String> extraColumns = new LinkedHashSet<>();
        List<String> header = List.of();
        /** Where the last write put each row it wrote, by key: checked at the next read. */
        List<Placement> placed = new ArrayList<>();
        /** Where the write under way puts each row; checked like {@link #placed}, whether or not it succeeds. */
        List<Placement> placing = new ArrayList<>();

        TabState(Tab config, String title) {
            this.config = config;
            this.title = title;
        }
    }

    SheetBook(SheetColumns columns) {
        this.columns = columns;
    }

    boolean isLoaded() {
        return loaded;
    }

    /** Creates missing tabs and reads every row once, so that merges and age checks see what is already there. */
    void load(Spreadsheet sheet) throws IOException {
        tabs.clear();
        List<String> existing = sheet.tabs();
        List<String> titles = new ArrayList<>();
        List<String> missing = new ArrayList<>();
        for (Tab config : columns.tabs()) {
            String title = titleOf(config.name(), existing);
            titles.add(title == null ? config.name() : title);
            if (title == null) {
                missing.add(config.name());
            }
        }
        if (!missing.isEmpty()) {
            sheet.addTabs(missing);
        }
        List<List<List<String>>> grids = sheet.read(titles.stream().<SheetRange>map(SheetRange.WholeTab::new).toList());
        for (int i = 0; i < columns.tabs().size(); i++) {
            Tab config = columns.tabs().get(i);
            TabState state = new TabState(config, titles.get(i));
            List<List<String>> grid = grids.get(i);
            List<String> header = grid.isEmpty() ? List.of() : grid.get(0);
            state.header = header;
            int keyIndex = header.indexOf(config.key());
            for (int r = 1; r < grid.size() && keyIndex >= 0; r++) {
                List<String> cells = grid.get(r);
                String key = cell(cells, keyIndex);
                if (!key.isEmpty() && !state.rows.contains(key)) {
                    state.rows.add(key);
                    Map<String, String> row = new HashMap<>();
                    for (int c = 0; c < header.size(); c++) {
                        if (!header.get(c).isEmpty()) {
                            row.put(header.get(c), cell(cells, c));
                        }
                    }
                    state.rows.setAll(key, row);
                }
            }
            tabs.put(config.name(), state);
        }
        loaded = true;
    }

    /**
     * The existing tab that is the configured one: of the same name, else of the same name in other case. Google
     * takes "tickets" and "Tickets" for one name (it refuses to add the second), and an organizer may have made the
     * tab by hand in lower case.
     */
    private static String titleOf(String name, List<String> existing) {
        if (existing.contains(name)) {
            return name;
        }
        return existing.stream().filter(title -> title.equalsIgnoreCase(name)).findFirst().orElse(null);
    }

    /** Forget everything (after a permanent error): the next write starts with a fresh {@link #load}. */
    void reset() {
        tabs.clear();
        loaded = false;
    }

    boolean hasPendingWrites() {
        return tabs.values().stream().anyMatch(t -> !t.dirty.isEmpty());
    }

    /** Whether rows written last are still to be checked where they were put (see the class comment). */
    boolean hasRowsToCheck() {
        return tabs.values().stream().anyMatch(t -> !t.placed.isEmpty());
    }

    /**
     * Merges one change into its row. Returns false, changing nothing, when the change is older than the row: a
     * late retry or an out-of-order delivery must never put an old state back.
     */
    boolean apply(RowChange change) {
        TabState tab = tabs.get(change.tab());
        TabRows rows = tab.rows;
        String key = change.key();
        String updatedAtColumn = tab.config.updatedAt();
        boolean sameTime = false;
        if (rows.contains(key) && change.updatedAt() != null && updatedAtColumn != null) {
            Instant current = Timestamps.parse(rows.get(key, updatedAtColumn));
            if (current != null && change.updatedAt().isBefore(current)) {
                return false;
            }
            sameTime = current != null && change.updatedAt().equals(current);
        }
        // The row's new cells, set in one go: each set remakes the row's bytes (TabRows).
        Map<String, String> changed = new HashMap<>();
        if (!rows.contains(key)) {
            rows.add(key);
            tab.dirty.put(key, WHOLE_ROW);
            changed.put(tab.config.key(), key);
        }
        for (Map.Entry<String, String> cell : change.set().entrySet()) {
            if (sameTime && goesBack(tab.config.progress().get(cell.getKey()), rows.get(key, cell.getKey()), cell.getValue())) {
                continue; // Tito sent both in one second (finished and completed, say): the later state stays
            }
            if (changed.containsKey(cell.getKey()) ? !Objects.equals(changed.get(cell.getKey()), cell.getValue())
                    : !rows.holds(key, cell.getKey(), cell.getValue())) {
                changed.put(cell.getKey(), cell.getValue());
                markDirty(tab, key, cell.getKey());
            }
        }
        for (Map.Entry<String, String> cell : change.fill().entrySet()) {
            String current = changed.containsKey(cell.getKey()) ? changed.get(cell.getKey())
                    : rows.get(key, cell.getKey());
            if ((current == null || current.isEmpty()) && !cell.getValue().isEmpty()) {
                changed.put(cell.getKey(), cell.getValue());
                markDirty(tab, key, cell.getKey());
            }
        }
        rows.setAll(key, changed);
        return true;
    }

    /** Whether {@code value} comes before {@code current} in the column's progress (both in it). */
    private static boolean goesBack(List<String> progress, String current, String value) {
        return progress != null && progress.indexOf(value) >= 0 && progress.indexOf(value) < progress.indexOf(current);
    }

    private static void markDirty(TabState tab, String key, String column) {
        Set<String> dirty = tab.dirty.computeIfAbsent(key, k -> new LinkedHashSet<>());
        if (dirty != WHOLE_ROW) {
            dirty.add(column);
        }
        if (!tab.config.columns().contains(column)) {
            tab.extraColumns.add(column); // a question seen for the first time
        }
    }

    /**
     * Everything pending, as cell ranges placed where the rows and columns are now: one read (header rows and key
     * columns of the tabs with pending rows, or with rows written last to check) to find them, and a read of each tab
     * whose rows moved since the last write, whole.
     */
    List<CellRange> pendingWrites(Spreadsheet sheet) throws IOException {
        for (TabState tab : tabs.values()) {
            // A write that failed may have been done all the same (Google timed out after writing): its rows are
            // checked too.
            tab.placed.addAll(tab.placing);
            tab.placing = new ArrayList<>();
        }
        List<TabState> pending = tabs.values().stream().filter(t -> !t.dirty.isEmpty() || !t.placed.isEmpty()).toList();
        if (pending.isEmpty()) {
            return List.of();
        }
        // One read: each tab's header row, and its key column where it was last seen (again if it has moved).
        List<SheetRange> ranges = new ArrayList<>();
        for (TabState tab : pending) {
            ranges.add(new SheetRange.Row(tab.title, 1));
            ranges.add(keyColumnRange(tab, tab.header));
        }
        List<List<List<String>>> read = sheet.read(ranges);
        List<List<List<String>>> headers = new ArrayList<>();
        List<List<List<String>>> keyColumns = new ArrayList<>();
        for (int i = 0; i < pending.size(); i++) {
            TabState tab = pending.get(i);
            List<List<String>> header = read.get(2 * i);
            headers.add(header);
            if (headerRow(header).indexOf(tab.config.key()) == tab.header.indexOf(tab.config.key())) {
                keyColumns.add(read.get(2 * i + 1));
            } else {
                keyColumns.add(sheet.read(List.of(keyColumnRange(tab, headerRow(header)))).get(0));
            }
        }
        for (int i = 0; i < pending.size(); i++) {
            TabState tab = pending.get(i);
            List<String> header = headerRow(headers.get(i));
            List<List<String>> keys = header.contains(tab.config.key()) ? keyColumns.get(i) : List.of();
            int moved = rowsMovedSinceWritten(tab, keys, !header.equals(tab.header));
            if (moved > 0) {
                // The rows may have moved more than once since (sorted, then sorted again), so which rows got cells
                // meant for others is found by reading the tab whole and comparing each row with what the relay knows.
                List<List<String>> whole = sheet.read(List.of(new SheetRange.WholeTab(tab.title))).get(0);
                headers.set(i, whole.isEmpty() ? List.of() : List.of(whole.get(0)));
                keyColumns.set(i, keyColumnOf(tab, whole));
                int unlike = rewriteRowsUnlikeTheBook(tab, whole);
                LOG.warn("{} row(s) of {} moved (sorted, or rows or columns added or removed by hand) since the relay"
                         + " wrote them; read the tab whole, and writing again the {} row(s) unlike what the relay"
                         + " knows of them", moved, tab.title, unlike);
            }
            tab.placed = new ArrayList<>(); // checked: if the read above failed, the next attempt checks them again
        }

        List<CellRange> writes = new ArrayList<>();
        for (int i = 0; i < pending.size(); i++) {
            TabState tab = pending.get(i);
            List<String> header = new ArrayList<>(headerRow(headers.get(i)));
            writes.addAll(completeHeader(tab, header));
            tab.header = header;
            boolean keyColumnWasThere = headerRow(headers.get(i)).contains(tab.config.key());
            Map<String, Integer> rowOf = new HashMap<>();
            List<List<String>> keys = keyColumnWasThere ? keyColumns.get(i) : List.of();
            if (keys instanceof IndexedColumn indexed) { // the CSV sheet's: looked up, key by key
                for (String key : tab.dirty.keySet()) {
                    int r = indexed.firstRowBelowHeader(key);
                    if (r >= 1) {
                        rowOf.put(key, r + 1);
                    }
                }
            } else {
                for (int r = 1; r < keys.size(); r++) {
                    String key = cell(keys.get(r), 0);
                    if (!key.isEmpty() && tab.dirty.containsKey(key)) { // only the rows to write are looked for
                        rowOf.putIfAbsent(key, r + 1);
                    }
                }
            }
            int nextFreeRow = Math.max(keys.size(), 1) + 1;
            for (Map.Entry<String, Set<String>> entry : tab.dirty.entrySet()) {
                Integer rowNumber = rowOf.get(entry.getKey());
                boolean foundByKey = rowNumber != null;
                Set<String> columnsToWrite = entry.getValue();
                if (rowNumber == null || columnsToWrite == WHOLE_ROW) {
                    if (rowNumber == null) {
                        rowNumber = nextFreeRow++; // a new row of the sheet: all of it
                    }
                    columnsToWrite = new LinkedHashSet<>(tab.rows.columnsOf(entry.getKey()));
                    columnsToWrite.retainAll(header);
                }
                if (foundByKey && columnsToWrite.contains(tab.config.key())) {
                    // Its key is there already. Written again, it would hide the row's move from the next check if
                    // the rows moved before this write: the key would then be where it was written, on another's row.
                    columnsToWrite = new LinkedHashSet<>(columnsToWrite);
                    columnsToWrite.remove(tab.config.key());
                }
                writes.addAll(cellRuns(tab, header, entry.getKey(), rowNumber, columnsToWrite));
                tab.placing.add(new Placement(entry.getKey(), rowNumber));
            }
        }
        return writes;
    }

    /**
     * How many rows the last write put somewhere whose key is not there any more: rows sorted, added or removed by hand
     * since the read before that write, or since the write. If the header row changed since (columns inserted, removed
     * or moved), every row of the last write: its cells may have gone to the columns that were then in their places.
     */
    private static int rowsMovedSinceWritten(TabState tab, List<List<String>> keys, boolean columnsMoved) {
        int moved = 0;
        for (Placement written : tab.placed) {
            int index = written.row() - 1;
            String now = index < keys.size() ? cell(keys.get(index), 0) : "";
            if (columnsMoved || !now.equals(written.key())) {
                moved++;
            }
        }
        return moved;
    }

    /**
     * Marks for writing again, in every column the relay manages (so nothing of another row's stays), each row whose
     * cells there are unlike what the relay knows of it. A row is compared where its key first appears, as rows are
     * written. The columns the relay does not manage are never written; a cell a person changed in a managed column
     * since the start is written back too.
     */
    private int rewriteRowsUnlikeTheBook(TabState tab, List<List<String>> whole) {
        List<String> header = headerRow(whole);
        int keyIndex = header.indexOf(tab.config.key());
        Set<String> managed = managedColumns(tab);
        managed.remove(tab.config.key());
        Set<String> seen = new HashSet<>();
        int unlike = 0;
        for (int r = 1; r < whole.size() && keyIndex >= 0; r++) {
            List<String> row = whole.get(r);
            String key = cell(row, keyIndex);
            if (key.isEmpty() || !tab.rows.contains(key) || !seen.add(key)) {
                continue;
            }
            for (String column : managed) {
                int index = header.indexOf(column);
                String known = tab.rows.get(key, column);
                if (index >= 0 && !cell(row, index).equals(known == null ? "" : known)) {
                    rewriteManagedCells(tab, key);
                    unlike++;
                    break;
                }
            }
        }
        return unlike;
    }

    /** The key column of a tab read whole, as a read of that column gives it (no empty cells at its end). */
    private static List<List<String>> keyColumnOf(TabState tab, List<List<String>> whole) {
        int keyIndex = headerRow(whole).indexOf(tab.config.key());
        List<List<String>> keys = new ArrayList<>();
        for (List<String> row : whole) {
            keys.add(List.of(keyIndex < 0 ? "" : cell(row, keyIndex)));
        }
        while (!keys.isEmpty() && keys.get(keys.size() - 1).get(0).isEmpty()) {
            keys.remove(keys.size() - 1);
        }
        return keys;
    }

    private static void rewriteManagedCells(TabState tab, String key) {
        if (!tab.rows.contains(key) || tab.dirty.get(key) == WHOLE_ROW) {
            return;
        }
        tab.dirty.computeIfAbsent(key, k -> new LinkedHashSet<>()).addAll(managedColumns(tab));
    }

    /** The tab's columns from the columns file, and the question columns seen since the start. */
    private static Set<String> managedColumns(TabState tab) {
        Set<String> managed = new LinkedHashSet<>(tab.config.columns());
        managed.addAll(tab.extraColumns);
        return managed;
    }

    private static SheetRange keyColumnRange(TabState tab, List<String> header) {
        return new SheetRange.Column(tab.title, Math.max(header.indexOf(tab.config.key()), 0));
    }

    /** Adds the managed columns the header lacks after its last used cell, and returns the header cells to write. */
    private List<CellRange> completeHeader(TabState tab, List<String> header) {
        Set<String> wanted = new LinkedHashSet<>(tab.config.columns());
        wanted.addAll(tab.extraColumns);
        int used = TrimmedGrid.usedWidth(header);
        List<String> added = new ArrayList<>();
        for (String column : wanted) {
            if (!header.contains(column)) {
                added.add(column);
            }
        }
        if (added.isEmpty()) {
            return List.of();
        }
        while (header.size() > used) {
            header.remove(header.size() - 1);
        }
        int start = header.size();
        header.addAll(added);
        return List.of(new CellRange(tab.title, 1, start, added));
    }

    private static List<CellRange> cellRuns(TabState tab, List<String> header, String key, int rowNumber,
            Set<String> columnsToWrite) {
        TreeSet<Integer> indexes = new TreeSet<>();
        for (String column : columnsToWrite) {
            int index = header.indexOf(column);
            if (index >= 0) {
                indexes.add(index);
            }
        }
        List<CellRange> runs = new ArrayList<>();
        List<String> values = new ArrayList<>();
        int runStart = -1;
        int previous = -2;
        for (int index : indexes) {
            if (index != previous + 1 && !values.isEmpty()) {
                runs.add(new CellRange(tab.title, rowNumber, runStart, values));
                values = new ArrayList<>();
            }
            if (values.isEmpty()) {
                runStart = index;
            }
            String value = tab.rows.get(key, header.get(index));
            values.add(value == null ? "" : value);
            previous = index;
        }
        if (!values.isEmpty()) {
            runs.add(new CellRange(tab.title, rowNumber, runStart, values));
        }
        return runs;
    }

    /** After a successful write: nothing is pending any more. */
    void written() {
        for (TabState tab : tabs.values()) {
            tab.dirty.clear();
            tab.placed = tab.placing;
            tab.placing = new ArrayList<>();
        }
    }

    private static List<String> headerRow(List<List<String>> grid) {
        return grid.isEmpty() ? List.of() : grid.get(0);
    }

    private static String cell(List<String> cells, int index) {
        return index < cells.size() && cells.get(index) != null ? cells.get(index) : "";
    }
}
