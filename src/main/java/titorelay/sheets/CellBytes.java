package titorelay.sheets;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A row of cells as one byte array, for the rows the relay keeps for as long as it runs ({@link TabRows}, the CSV
 * tabs' {@link PackedRows}): each cell starts with a number (7 bits a byte, the last byte's high bit clear): 0 no
 * cell (an empty one in a CSV tab), 1 the row's key, 2 + 2k the held value k ({@link Held}), 3 + 2n a value of n
 * UTF-8 bytes that follow. Less than half the memory of an array of strings, whose headers cost more than the
 * characters of most cells.
 */
final class CellBytes {

    private CellBytes() {
    }

    /**
     * The values held once for a tab (states, events, release titles, answers), up to {@link #PER_COLUMN} of each
     * column's distinct values, so that a column of values that never repeat stops there. Safe to read from a thread
     * other than the one that adds.
     *
     * @param <C> how a column is named: its title, or its index
     */
    static final class Held<C> {

        private static final int PER_COLUMN = 1_000;

        private final List<String> values = new ArrayList<>();
        private final Map<C, Map<String, Integer>> byColumn = new HashMap<>();

        /** The value's number, held from now on if the column has room; -1 if it is not held. */
        synchronized int idOf(C column, String value) {
            Map<String, Integer> ofColumn = byColumn.computeIfAbsent(column, c -> new HashMap<>());
            Integer id = ofColumn.get(value);
            if (id == null && ofColumn.size() < PER_COLUMN) {
                id = values.size();
                values.add(value);
                ofColumn.put(value, id);
            }
            return id == null ? -1 : id;
        }

        synchronized String value(int id) {
            return values.get(id);
        }
    }

    /** The number that starts the cell at {@code at}. */
    static long tag(byte[] row, int at) {
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

    /** Where the cell's number ends: its bytes, if any, start there. */
    static int afterTag(byte[] row, int at) {
        while (row[at] < 0) {
            at++;
        }
        return at + 1;
    }

    /** Where the cell that starts at {@code at} ends. */
    static int cellEnd(byte[] row, int at) {
        long tag = tag(row, at);
        int after = afterTag(row, at);
        return tag >= 3 && tag % 2 == 1 ? after + (int) ((tag - 3) / 2) : after;
    }

    /** Where cell {@code index} starts in the row, or -1 if the row ends before it. */
    static int cellStart(byte[] row, int index) {
        int at = 0;
        for (int i = 0; i < index && at < row.length; i++) {
            at = cellEnd(row, at);
        }
        return at < row.length ? at : -1;
    }

    /** How many cells the row has. */
    static int count(byte[] row) {
        int count = 0;
        for (int at = 0; at < row.length; at = cellEnd(row, at)) {
            count++;
        }
        return count;
    }

    /** The cell's value: null for 0, {@code key} for 1, else a held value or the cell's own bytes. */
    static String value(byte[] row, int at, String key, Held<?> held) {
        long tag = tag(row, at);
        if (tag == 0) {
            return null;
        }
        if (tag == 1) {
            return key;
        }
        if (tag % 2 == 0) {
            return held.value((int) ((tag - 2) / 2));
        }
        return new String(row, afterTag(row, at), (int) ((tag - 3) / 2), StandardCharsets.UTF_8);
    }

    /** Whether the cell at {@code at} (not 0 or 1) holds {@code value}, without making a string of its bytes. */
    static boolean holds(byte[] row, int at, String value, Held<?> held) {
        long tag = tag(row, at);
        if (tag % 2 == 0) {
            return value.equals(held.value((int) ((tag - 2) / 2)));
        }
        int length = (int) ((tag - 3) / 2);
        int from = afterTag(row, at);
        if (length != value.length()) {
            return length > value.length() && value.equals(new String(row, from, length, StandardCharsets.UTF_8));
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

    /** Where a row is put together, then copied out at its length. One per thread that writes rows. */
    static final class Builder {
        private byte[] bytes = new byte[512];
        private int length;

        void clear() {
            length = 0;
        }

        /** A cell of a held value, or of its own bytes if {@code id} is -1. */
        void value(String value, int id) {
            if (id >= 0) {
                tag(2L + 2L * id);
                return;
            }
            byte[] utf8 = value.getBytes(StandardCharsets.UTF_8);
            tag(3L + 2L * utf8.length);
            ensure(length + utf8.length);
            System.arraycopy(utf8, 0, bytes, length, utf8.length);
            length += utf8.length;
        }

        void tag(long tag) {
            while (tag >= 0x80) {
                put((byte) (tag | 0x80));
                tag >>>= 7;
            }
            put((byte) tag);
        }

        /** Bytes {@code from} to {@code to} of a row (whole cells) as they are. */
        void copy(byte[] row, int from, int to) {
            ensure(length + to - from);
            System.arraycopy(row, from, bytes, length, to - from);
            length += to - from;
        }

        byte[] toArray() {
            return Arrays.copyOf(bytes, length);
        }

        private void put(byte b) {
            ensure(length + 1);
            bytes[length++] = b;
        }

        private void ensure(int capacity) {
            if (capacity > bytes.length) {
                bytes = Arrays.copyOf(bytes, Math.max(capacity, bytes.length * 2));
            }
        }
    }
}
