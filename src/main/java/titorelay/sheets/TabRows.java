package titorelay.sheets;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What the relay knows of one tab's rows, by key. A tab of 200,000 rows is kept for as long as the relay runs, so
 * each row is one byte array ({@link CellBytes}) rather than an array of strings: its cells one after another, in the
 * order the tab's columns were first seen, each a value held once for the tab, the row's own key (the key column's
 * cell), or its own UTF-8 bytes. A row then takes less than half the memory of strings (228 instead of 483 bytes a
 * ticket row, {@code TabRowsMemoryBenchmark}), which keeps the heap's live set, and so its garbage collection, small.
 */
final class TabRows {

    private static final byte[] NO_CELLS = new byte[0];

    private final Map<String, Integer> indexes = new HashMap<>();
    private final List<String> columns = new ArrayList<>();
    private final Map<String, byte[]> rows = new HashMap<>();
    private final CellBytes.Held<String> held = new CellBytes.Held<>();
    private final CellBytes.Builder builder = new CellBytes.Builder(); // one thread at a time uses a book

    boolean contains(String key) {
        return rows.containsKey(key);
    }

    /** A row with no cells yet. */
    void add(String key) {
        rows.put(key, NO_CELLS);
    }

    /** The cell, or null when the row has none in that column (or there is no such row). */
    String get(String key, String column) {
        int at = cellStart(key, column);
        return at < 0 ? null : CellBytes.value(rows.get(key), at, key, held);
    }

    /** Whether the row's cell in that column is {@code value} (null: no cell), without making a string of it. */
    boolean holds(String key, String column, String value) {
        int at = cellStart(key, column);
        byte[] row = rows.get(key);
        if (at < 0 || row[at] == 0) {
            return value == null;
        }
        if (row[at] == 1) {
            return key.equals(value);
        }
        return value != null && CellBytes.holds(row, at, value, held);
    }

    /** Sets a cell of a row that exists (null removes it). */
    void set(String key, String column, String value) {
        Map<String, String> cell = new HashMap<>(2);
        cell.put(column, value);
        setAll(key, cell);
    }

    /** Sets cells of a row that exists, in one go (a null value removes the cell). */
    void setAll(String key, Map<String, String> cells) {
        if (cells.isEmpty()) {
            return;
        }
        String[] changed = new String[columns.size() + cells.size()];
        boolean[] removed = new boolean[changed.length];
        int last = -1;
        for (Map.Entry<String, String> cell : cells.entrySet()) {
            int index = indexes.computeIfAbsent(cell.getKey(), c -> {
                columns.add(c);
                return columns.size() - 1;
            });
            changed[index] = cell.getValue();
            removed[index] = cell.getValue() == null;
            last = Math.max(last, index);
        }
        byte[] row = rows.get(key);
        builder.clear();
        int at = 0;
        for (int index = 0; index <= last || at < row.length; index++) {
            int end = at < row.length ? CellBytes.cellEnd(row, at) : at;
            String value = index <= last ? changed[index] : null;
            if (value != null) {
                if (value.equals(key)) {
                    builder.tag(1);
                } else {
                    builder.value(value, held.idOf(columns.get(index), value));
                }
            } else if (at < row.length && !(index <= last && removed[index])) {
                builder.copy(row, at, end);
            } else {
                builder.tag(0);
            }
            at = end;
        }
        rows.put(key, builder.toArray());
    }

    /** The columns the row has a cell in. */
    List<String> columnsOf(String key) {
        byte[] row = rows.get(key);
        List<String> present = new ArrayList<>();
        int index = 0;
        for (int at = 0; at < row.length; at = CellBytes.cellEnd(row, at), index++) {
            if (row[at] != 0) {
                present.add(columns.get(index));
            }
        }
        return present;
    }

    /** Where the row's cell in that column starts, or -1 if there is no such row, column, or cell. */
    private int cellStart(String key, String column) {
        byte[] row = rows.get(key);
        Integer index = indexes.get(column);
        return row == null || index == null ? -1 : CellBytes.cellStart(row, index);
    }
}
