package titorelay.sheets;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What the relay knows of one tab's rows, by key: each row one array of cells, indexed by the tab's columns as first
 * seen, rather than a map per row, and repeated values held once ({@link SharedValues}): a tab of 150,000 rows
 * then costs a fraction of the memory.
 */
final class TabRows {

    private final Map<String, Integer> indexes = new HashMap<>();
    private final List<String> columns = new ArrayList<>();
    private final Map<String, String[]> rows = new HashMap<>();
    private final SharedValues<String> values = new SharedValues<>();

    boolean contains(String key) {
        return rows.containsKey(key);
    }

    /** A row with no cells yet. */
    void add(String key) {
        rows.put(key, new String[columns.size()]);
    }

    /** The cell, or null when the row has none in that column (or there is no such row). */
    String get(String key, String column) {
        String[] row = rows.get(key);
        Integer index = indexes.get(column);
        return row == null || index == null || index >= row.length ? null : row[index];
    }

    /** Sets a cell of a row that exists. */
    void set(String key, String column, String value) {
        int index = indexes.computeIfAbsent(column, c -> {
            columns.add(c);
            return columns.size() - 1;
        });
        String[] row = rows.get(key);
        if (index >= row.length) {
            row = Arrays.copyOf(row, columns.size());
            rows.put(key, row);
        }
        row[index] = values.share(column, value);
    }

    /** The columns the row has a cell in. */
    List<String> columnsOf(String key) {
        String[] row = rows.get(key);
        List<String> present = new ArrayList<>();
        for (int i = 0; i < row.length; i++) {
            if (row[i] != null) {
                present.add(columns.get(i));
            }
        }
        return present;
    }
}
