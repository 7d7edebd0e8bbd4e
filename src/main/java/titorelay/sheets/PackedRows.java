package titorelay.sheets;

import java.util.AbstractList;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.RandomAccess;

/**
 * A CSV tab's rows, header first, each one byte array ({@link CellBytes}; an empty cell is a 0) instead of an array
 * of strings: a tab of 300,000 rows is kept for as long as the relay runs. Never changed once made: an edit makes new
 * rows that share the arrays of the rows it did not change. Reads as a list of rows' cells, each made when asked for;
 * {@link #cell} and {@link #width} read one row without making its cells.
 */
final class PackedRows extends AbstractList<String[]> implements RandomAccess {

    private static final String[] NO_CELLS = new String[0];

    private final List<byte[]> rows;
    private final CellBytes.Held<Integer> held;

    private PackedRows(List<byte[]> rows, CellBytes.Held<Integer> held) {
        this.rows = rows;
        this.held = held;
    }

    /** No rows, with values held from now on for the rows an edit adds. */
    static PackedRows empty() {
        return new PackedRows(List.of(), new CellBytes.Held<>());
    }

    @Override
    public String[] get(int row) {
        return cells(rows.get(row), held);
    }

    private static String[] cells(byte[] packed, CellBytes.Held<Integer> held) {
        if (packed.length == 0) {
            return NO_CELLS;
        }
        String[] cells = new String[CellBytes.count(packed)];
        int at = 0;
        for (int c = 0; c < cells.length; c++) {
            String value = CellBytes.value(packed, at, null, held);
            cells[c] = value == null ? "" : value;
            at = CellBytes.cellEnd(packed, at);
        }
        return cells;
    }

    @Override
    public int size() {
        return rows.size();
    }

    /** The row's cell in that column; "" past the row's last cell. */
    String cell(int row, int column) {
        byte[] packed = rows.get(row);
        int at = CellBytes.cellStart(packed, column);
        String value = at < 0 ? null : CellBytes.value(packed, at, null, held);
        return value == null ? "" : value;
    }

    /** Whether the row's cell in that column is {@code value} (not empty), without making a string of it. */
    boolean cellIs(int row, int column, String value) {
        byte[] packed = rows.get(row);
        int at = CellBytes.cellStart(packed, column);
        return at >= 0 && packed[at] != 0 && CellBytes.holds(packed, at, value, held);
    }

    /** How many cells the row has (its trailing empty cells are never kept). */
    int width(int row) {
        return CellBytes.count(rows.get(row));
    }

    /** New rows, starting as these, that an edit changes (these stay as they are). */
    Editor edit() {
        return new Editor(new ArrayList<>(rows), held);
    }

    /** Rows being made: from a file's lines, or by an edit of a tab's rows. */
    static final class Editor {
        private final List<byte[]> rows;
        private final CellBytes.Held<Integer> held;
        private final CellBytes.Builder builder = new CellBytes.Builder();

        Editor(List<byte[]> rows, CellBytes.Held<Integer> held) {
            this.rows = rows;
            this.held = held;
        }

        /** No rows yet, with values held for these rows only. */
        Editor() {
            this(new ArrayList<>(), new CellBytes.Held<>());
        }

        int size() {
            return rows.size();
        }

        /** The cells of row {@code row}, as {@link PackedRows#get}. */
        String[] cells(int row) {
            return PackedRows.cells(rows.get(row), held);
        }

        int width(int row) {
            return CellBytes.count(rows.get(row));
        }

        /** Sets a row's cells (none of them null; without trailing empty ones). */
        void set(int row, String[] cells) {
            rows.set(row, pack(cells));
        }

        void add(String[] cells) {
            rows.add(pack(cells));
        }

        void removeLast() {
            rows.remove(rows.size() - 1);
        }

        PackedRows done() {
            return new PackedRows(Collections.unmodifiableList(rows), held);
        }

        private byte[] pack(String[] cells) {
            builder.clear();
            for (int c = 0; c < cells.length; c++) {
                if (cells[c] == null || cells[c].isEmpty()) {
                    builder.tag(0);
                } else {
                    builder.value(cells[c], held.idOf(c, cells[c]));
                }
            }
            return builder.toArray();
        }
    }
}
