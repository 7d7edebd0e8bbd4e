package titorelay.sheets;

import java.util.BitSet;

/**
 * Where each value of one column of a CSV tab first appears below the header, kept up to date through the relay's own
 * writes. Each flush looks up the rows of its keys; scanning the key column for them cost what the tab's rows cost
 * (150,000 rows and more, five flushes a second), this costs what the flush's keys cost.
 * <p>
 * It describes one list of rows: a tab's rows never change, an edit makes a new list ({@link CsvTabEdit}), which the
 * index follows when told what the edit changed. A tab read again from its file (someone edited it) gets a new index.
 */
final class ColumnIndex {

    private final int column;
    private PackedRows rows;
    /**
     * Open addressing, by the value's hash: each slot 0 or a first row (its number + 1), and that value's hash beside
     * it. The value itself is the row's cell, so the index holds no string of its own (12 bytes or so a row, where a
     * map from strings to rows took about 120).
     */
    private int[] slots = new int[64];
    private int[] hashes = new int[64];
    private int used;

    private ColumnIndex(PackedRows rows, int column) {
        this.rows = rows;
        this.column = column;
    }

    static ColumnIndex of(PackedRows rows, int column) {
        ColumnIndex index = new ColumnIndex(rows, column);
        for (int row = 1; row < rows.size(); row++) {
            String value = index.cell(rows, row);
            if (!value.isEmpty() && index.firstRowBelowHeader(value) < 0) {
                index.put(value.hashCode(), row);
            }
        }
        return index;
    }

    int column() {
        return column;
    }

    /** Whether this is the index of that column of exactly these rows. */
    boolean describes(PackedRows rows, int column) {
        return this.rows == rows && this.column == column;
    }

    /** The first row (0 is the header) below the header whose cell is {@code value}, or -1 when there is none. */
    int firstRowBelowHeader(String value) {
        int slot = slotOf(value, rows);
        return slots[slot] == 0 ? -1 : slots[slot] - 1;
    }

    /**
     * Moves the index on to the rows an edit of its rows made, given the rows the edit changed (or emptied at the end).
     *
     * @return false when a value's first row lost it: finding the next would mean a scan, so the index is given up
     *         and made again when next needed (the relay's writes never change a key; only the first write after an
     *         edit by hand that left a key twice would)
     */
    boolean follow(PackedRows edited, BitSet changed) {
        for (int row = changed.nextSetBit(1); row >= 0; row = changed.nextSetBit(row + 1)) {
            String was = cell(rows, row);
            String now = cell(edited, row);
            if (was.equals(now)) {
                continue;
            }
            if (!was.isEmpty() && slots[slotOf(was, rows)] == row + 1) {
                return false;
            }
        }
        // Every first row is one the edit did not change (or changed to the same value): the edited rows say the same.
        rows = edited;
        for (int row = changed.nextSetBit(1); row >= 0; row = changed.nextSetBit(row + 1)) {
            String now = cell(edited, row);
            if (now.isEmpty()) {
                continue;
            }
            int slot = slotOf(now, edited);
            if (slots[slot] == 0) {
                put(now.hashCode(), row);
            } else if (slots[slot] - 1 > row) {
                slots[slot] = row + 1;
            }
        }
        return true;
    }

    /** The slot of {@code value}: the one holding its first row, or the empty one where it would go. */
    private int slotOf(String value, PackedRows in) {
        int hash = value.hashCode();
        int mask = slots.length - 1;
        for (int slot = spread(hash) & mask; ; slot = (slot + 1) & mask) {
            if (slots[slot] == 0 || hashes[slot] == hash && in.cellIs(slots[slot] - 1, column, value)) {
                return slot;
            }
        }
    }

    private void put(int hash, int row) {
        if (2 * (used + 1) > slots.length) {
            int[] oldSlots = slots;
            int[] oldHashes = hashes;
            slots = new int[oldSlots.length * 2];
            hashes = new int[oldSlots.length * 2];
            for (int i = 0; i < oldSlots.length; i++) {
                if (oldSlots[i] != 0) {
                    place(oldHashes[i], oldSlots[i]);
                }
            }
        }
        place(hash, row + 1);
        used++;
    }

    private void place(int hash, int slotValue) {
        int mask = slots.length - 1;
        int slot = spread(hash) & mask;
        while (slots[slot] != 0) {
            slot = (slot + 1) & mask;
        }
        slots[slot] = slotValue;
        hashes[slot] = hash;
    }

    private static int spread(int hash) {
        return hash ^ (hash >>> 16) * 0x9E3779B9;
    }

    private String cell(PackedRows rows, int row) {
        return row >= rows.size() ? "" : rows.cell(row, column);
    }
}
