package titorelay.sheets;

import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

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
    private final Map<String, Integer> firstRow = new HashMap<>();
    private List<String[]> rows;

    private ColumnIndex(List<String[]> rows, int column) {
        this.rows = rows;
        this.column = column;
    }

    static ColumnIndex of(List<String[]> rows, int column) {
        ColumnIndex index = new ColumnIndex(rows, column);
        for (int row = 1; row < rows.size(); row++) {
            String value = index.cell(rows, row);
            if (!value.isEmpty()) {
                index.firstRow.putIfAbsent(value, row);
            }
        }
        return index;
    }

    int column() {
        return column;
    }

    /** Whether this is the index of that column of exactly these rows. */
    boolean describes(List<String[]> rows, int column) {
        return this.rows == rows && this.column == column;
    }

    /** The first row (0 is the header) below the header whose cell is {@code value}, or -1 when there is none. */
    int firstRowBelowHeader(String value) {
        Integer row = firstRow.get(value);
        return row == null ? -1 : row;
    }

    /**
     * Moves the index on to the rows an edit of its rows made, given the rows the edit changed (or emptied at the end).
     *
     * @return false when a value's first row lost it: finding the next would mean a scan, so the index is given up
     *         and made again when next needed (the relay's writes never change a key; only the first write after an
     *         edit by hand that left a key twice would)
     */
    boolean follow(List<String[]> edited, BitSet changed) {
        for (int row = changed.nextSetBit(1); row >= 0; row = changed.nextSetBit(row + 1)) {
            String was = cell(rows, row);
            String now = cell(edited, row);
            if (was.equals(now)) {
                continue;
            }
            Integer wasFirst = firstRow.get(was);
            if (wasFirst != null && wasFirst == row) {
                return false;
            }
            if (!now.isEmpty()) {
                firstRow.merge(now, row, Math::min);
            }
        }
        rows = edited;
        return true;
    }

    private String cell(List<String[]> rows, int row) {
        if (row >= rows.size()) {
            return "";
        }
        String[] cells = rows.get(row);
        return column < cells.length ? cells[column] : "";
    }
}
