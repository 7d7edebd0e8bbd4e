package titorelay.sheets;

import java.util.AbstractList;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;

/**
 * Cells Google returned column by column (majorDimension COLUMNS), seen as the rows the relay reads, with Google's rule
 * for rows ({@link TrimmedGrid}): a row ends at its last non-empty cell, the grid at its last non-empty row.
 * <p>
 * Why by column: the relay reads a tab's whole key column before each write, and by rows that is one list per row
 * (150,000 rows: 150,000 lists made, kept through the flush and thrown away, each second). By column it is one list of
 * the keys; a row is made only when asked for, and dropped at once.
 */
final class ColumnsAsRows extends AbstractList<List<String>> {

    private final List<List<Object>> columns;
    private final int rows;

    private ColumnsAsRows(List<List<Object>> columns) {
        this.columns = columns;
        int height = 0;
        for (int c = 0; c < columns.size(); c++) {
            int end = columns.get(c) == null ? 0 : columns.get(c).size();
            while (end > height && text(c, end - 1).isEmpty()) {
                end--;
            }
            height = Math.max(height, end);
        }
        this.rows = height;
    }

    /** The rows of Google's answer by column ({@code values} of a ValueRange; null when the range is empty). */
    static List<List<String>> of(List<List<Object>> columns) {
        return columns == null ? List.of() : new ColumnsAsRows(columns);
    }

    @Override
    public List<String> get(int row) {
        Objects.checkIndex(row, rows);
        int width = columns.size();
        while (width > 0 && text(width - 1, row).isEmpty()) {
            width--;
        }
        List<String> cells = new ArrayList<>(width);
        for (int c = 0; c < width; c++) {
            cells.add(text(c, row));
        }
        return Collections.unmodifiableList(cells);
    }

    @Override
    public int size() {
        return rows;
    }

    private String text(int column, int row) {
        List<Object> cells = columns.get(column);
        Object cell = cells == null || row >= cells.size() ? null : cells.get(row);
        return cell == null ? "" : cell.toString();
    }
}
