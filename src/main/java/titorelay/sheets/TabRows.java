package titorelay.sheets;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What the relay knows of one tab's rows, by key. A tab of 200,000 rows is kept for as long as the relay runs, so
 * each row is one byte array rather than an array of strings: its cells one after another, in the order the tab's
 * columns were first seen, each either a value held once for the whole tab (a state, an event, a release title, an
 * answer: {@link #PER_COLUMN} of each column's values), the row's own key (the key column's cell), or its own
 * UTF-8 bytes. A row then takes less than half the memory of strings (228 instead of 483 bytes a ticket row,
 * {@code TabRowsMemoryBenchmark}), which keeps the heap's live set, and so its garbage collection, small.
 * <p>
 * Each cell starts with a number (7 bits a byte, the last byte's high bit clear): 0 no cell, 1 the row's key,
 * 2 + 2k the held value k, 3 + 2n a value of n bytes that follow.
 */
final class TabRows {

    /** How many of a column's distinct values are held once; a column of values that never repeat stops there. */
    private static final int PER_COLUMN = 1_000;
    private static final byte[] NO_CELLS = new byte[0];

    private final Map<String, Integer> indexes = new HashMap<>();
    private final List<String> columns = new ArrayList<>();
    private final Map<String, byte[]> rows = new HashMap<>();
    private final List<String> held = new ArrayList<>();
    private final Map<String, Map<String, Integer>> heldByColumn = new HashMap<>();
    /** Where a row is put together before it is copied out at its length (one thread uses a book). */
    private byte[] scratch = new byte[512];

    boolean contains(String key) {
        return rows.containsKey(key);
    }

    /** A row with no cells yet. */
    void add(String key) {
        rows.put(key, NO_CELLS);
    }

    /** The cell, or null when the row has none in that column (or there is no such row). */
    String get(String key, String column) {
        byte[] row = rows.get(key);
        Integer index = indexes.get(column);
        if (row == null || index == null) {
            return null;
        }
        int at = cellStart(row, index);
        return at < 0 ? null : decode(key, row, at);
    }

    /** Whether the row's cell in that column is {@code value} (null: no cell), without making a string of it. */
    boolean holds(String key, String column, String value) {
        byte[] row = rows.get(key);
        Integer index = indexes.get(column);
        int at = row == null || index == null ? -1 : cellStart(row, index);
        if (at < 0 || row[at] == 0) {
            return value == null;
        }
        if (value == null) {
            return false;
        }
        long tag = tag(row, at);
        if (tag == 1) {
            return value.equals(key);
        }
        if (tag % 2 == 0) {
            return value.equals(held.get((int) ((tag - 2) / 2)));
        }
        int length = (int) ((tag - 3) / 2);
        int from = afterTag(row, at);
        if (length != value.length()) {
            return length >= value.length() && value.equals(new String(row, from, length, StandardCharsets.UTF_8));
        }
        for (int i = 0; i < length; i++) {
            char c = value.charAt(i);
            if (c >= 0x80) {
                return value.equals(new String(row, from, length, StandardCharsets.UTF_8));
            }
            if (row[from + i] != c) {
                return false;
            }
        }
        return true;
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
        int length = 0;
        int at = 0;
        for (int index = 0; index <= last || at < row.length; index++) {
            int end = at < row.length ? cellEnd(row, at) : at;
            if (index <= last && (changed[index] != null || removed[index])) {
                length = encode(key, columns.get(index), changed[index], length);
            } else if (at < row.length) {
                length = copy(row, at, end, length);
            } else {
                length = put((byte) 0, length);
            }
            at = end;
        }
        rows.put(key, Arrays.copyOf(scratch, length));
    }

    /** The columns the row has a cell in. */
    List<String> columnsOf(String key) {
        byte[] row = rows.get(key);
        List<String> present = new ArrayList<>();
        int index = 0;
        for (int at = 0; at < row.length; at = cellEnd(row, at), index++) {
            if (row[at] != 0) {
                present.add(columns.get(index));
            }
        }
        return present;
    }

    /** Writes a cell's tag and bytes into {@link #scratch} at {@code length}; returns the length after them. */
    private int encode(String key, String column, String value, int length) {
        if (value == null) {
            return put((byte) 0, length);
        }
        if (value.equals(key)) {
            return put((byte) 1, length);
        }
        Map<String, Integer> ofColumn = heldByColumn.computeIfAbsent(column, c -> new HashMap<>());
        Integer id = ofColumn.get(value);
        if (id == null && ofColumn.size() < PER_COLUMN) {
            id = held.size();
            held.add(value);
            ofColumn.put(value, id);
        }
        if (id != null) {
            return putTag(2L + 2L * id, length);
        }
        byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
        length = putTag(3L + 2L * bytes.length, length);
        ensure(length + bytes.length);
        System.arraycopy(bytes, 0, scratch, length, bytes.length);
        return length + bytes.length;
    }

    private String decode(String key, byte[] row, int at) {
        long tag = tag(row, at);
        if (tag == 0) {
            return null;
        }
        if (tag == 1) {
            return key;
        }
        if (tag % 2 == 0) {
            return held.get((int) ((tag - 2) / 2));
        }
        return new String(row, afterTag(row, at), (int) ((tag - 3) / 2), StandardCharsets.UTF_8);
    }

    private int putTag(long tag, int length) {
        while (tag >= 0x80) {
            length = put((byte) (tag | 0x80), length);
            tag >>>= 7;
        }
        return put((byte) tag, length);
    }

    private int put(byte b, int length) {
        ensure(length + 1);
        scratch[length] = b;
        return length + 1;
    }

    private int copy(byte[] row, int from, int to, int length) {
        ensure(length + to - from);
        System.arraycopy(row, from, scratch, length, to - from);
        return length + to - from;
    }

    private void ensure(int capacity) {
        if (capacity > scratch.length) {
            scratch = Arrays.copyOf(scratch, Math.max(capacity, scratch.length * 2));
        }
    }

    private static long tag(byte[] row, int at) {
        long tag = 0;
        int shift = 0;
        byte b;
        do {
            b = row[at++];
            tag |= (long) (b & 0x7f) << shift;
            shift += 7;
        } while (b < 0);
        return tag;
    }

    private static int afterTag(byte[] row, int at) {
        while (row[at] < 0) {
            at++;
        }
        return at + 1;
    }

    /** Where cell {@code index} starts in the row, or -1 if the row ends before it. */
    private static int cellStart(byte[] row, int index) {
        int at = 0;
        for (int i = 0; i < index && at < row.length; i++) {
            at = cellEnd(row, at);
        }
        return at < row.length ? at : -1;
    }

    /** Where the cell that starts at {@code at} ends. */
    private static int cellEnd(byte[] row, int at) {
        long tag = tag(row, at);
        int after = afterTag(row, at);
        return tag >= 3 && tag % 2 == 1 ? after + (int) ((tag - 3) / 2) : after;
    }
}
