package titorelay.sheets;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What the relay knows of one tab's rows, by key. A tab of 200,000 rows is kept for as long as the relay runs, so
 * each row is one byte array ({@link CellBytes}) rather than an array of strings: first the row's key (as a cell of
 * its own UTF-8 bytes), then its cells one after another, in the order the tab's columns were first seen, each a value
 * held once for the tab, the row's own key (the key column's cell), or its own UTF-8 bytes. The rows are found by their
 * key in a table of their own (open addressing over the arrays themselves), so no map entry or key string is kept
 * beside them. A row then takes about a third of the memory of strings in a map (165 instead of 483 bytes a ticket
 * row, and 228 with the packed rows in a map; {@code TabRowsMemoryBenchmark}), which keeps the heap's live set, and so
 * its garbage collection, small.
 */
final class TabRows {

    private final Map<String, Integer> indexes = new HashMap<>();
    private final List<String> columns = new ArrayList<>();
    /** The rows by their key's hash, null where there is none; at most three quarters full. */
    private byte[][] rows = new byte[64][];
    /** Each row's key's hash, beside it: most slots are told apart without reading the row. */
    private int[] hashes = new int[64];
    private int size;
    /**
     * The key looked up last and its slot: a change asks for one row's cells many times over, with one key string,
     * so the key's bytes are compared once a change rather than once a cell. Plain fields, like the builder's: one
     * thread at a time uses a book, even to read it.
     */
    private String lastKey;
    private int lastSlot;
    private final CellBytes.Held<String> held = new CellBytes.Held<>();
    private final CellBytes.Builder builder = new CellBytes.Builder(); // one thread at a time uses a book

    boolean contains(String key) {
        return slotOf(key) >= 0;
    }

    /** A row with no cells yet (a row already there is left as it is). */
    void add(String key) {
        if (slotOf(key) >= 0) {
            return;
        }
        if (4 * (size + 1) > 3 * rows.length) {
            grow();
        }
        builder.clear();
        builder.value(key, -1);
        int hash = key.hashCode();
        int slot = emptySlot(hash);
        rows[slot] = builder.toArray();
        hashes[slot] = hash;
        size++;
    }

    /** The cell, or null when the row has none in that column (or there is no such row). */
    String get(String key, String column) {
        int slot = slotOf(key);
        int at = cellStart(slot, column);
        return at < 0 ? null : CellBytes.value(rows[slot], at, key, held);
    }

    /** Whether the row's cell in that column is {@code value} (null: no cell), without making a string of it. */
    boolean holds(String key, String column, String value) {
        int slot = slotOf(key);
        int at = cellStart(slot, column);
        if (at < 0 || rows[slot][at] == 0) {
            return value == null;
        }
        if (rows[slot][at] == 1) {
            return key.equals(value);
        }
        return value != null && CellBytes.holds(rows[slot], at, value, held);
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
        int slot = existing(key);
        byte[] row = rows[slot];
        builder.clear();
        int at = CellBytes.cellEnd(row, 0);
        builder.copy(row, 0, at); // the key
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
        rows[slot] = builder.toArray();
    }

    /** The columns the row has a cell in. */
    List<String> columnsOf(String key) {
        byte[] row = rows[existing(key)];
        List<String> present = new ArrayList<>();
        int index = 0;
        for (int at = CellBytes.cellEnd(row, 0); at < row.length; at = CellBytes.cellEnd(row, at), index++) {
            if (row[at] != 0) {
                present.add(columns.get(index));
            }
        }
        return present;
    }

    /** Where the row's cell in that column starts, or -1 if there is no such row, column, or cell. */
    private int cellStart(int slot, String column) {
        Integer index = indexes.get(column);
        return slot < 0 || index == null ? -1 : CellBytes.cellStart(rows[slot], index + 1); // cell 0 is the key
    }

    /** The slot of the row with this key, or -1. */
    private int slotOf(String key) {
        if (key == lastKey) {
            return lastSlot;
        }
        int slot = find(key);
        if (slot >= 0) {
            lastKey = key;
            lastSlot = slot;
        }
        return slot;
    }

    private int find(String key) {
        int hash = key.hashCode();
        int mask = rows.length - 1;
        for (int slot = spread(hash) & mask; rows[slot] != null; slot = (slot + 1) & mask) {
            if (hashes[slot] == hash && CellBytes.holds(rows[slot], 0, key, held)) {
                return slot;
            }
        }
        return -1;
    }

    private int existing(String key) {
        int slot = slotOf(key);
        if (slot < 0) {
            throw new IllegalArgumentException("No row " + key + " in the tab");
        }
        return slot;
    }

    private int emptySlot(int hash) {
        int mask = rows.length - 1;
        int slot = spread(hash) & mask;
        while (rows[slot] != null) {
            slot = (slot + 1) & mask;
        }
        return slot;
    }

    private void grow() {
        byte[][] oldRows = rows;
        int[] oldHashes = hashes;
        rows = new byte[oldRows.length * 2][];
        hashes = new int[oldRows.length * 2];
        lastKey = null; // its slot moves
        for (int i = 0; i < oldRows.length; i++) {
            if (oldRows[i] != null) {
                int slot = emptySlot(oldHashes[i]);
                rows[slot] = oldRows[i];
                hashes[slot] = oldHashes[i];
            }
        }
    }

    /** The hash's high bits mixed into the low ones the table's size keeps (as HashMap does). */
    private static int spread(int hash) {
        return hash ^ (hash >>> 16);
    }
}
