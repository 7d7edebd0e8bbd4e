package titorelay.sheets;

import java.util.List;

/**
 * Consecutive cells of one row: {@code values} from {@code column} (0 = A) rightwards, in row {@code row} (1 = the
 * header row).
 */
public record CellRange(String tab, int row, int column, List<String> values) {

    public String a1() {
        return quoted(tab) + "!" + columnName(column) + row + ":" + columnName(column + values.size() - 1) + row;
    }

    public static String quoted(String tab) {
        return "'" + tab.replace("'", "''") + "'";
    }

    /** 0 → A, 25 → Z, 26 → AA. */
    public static String columnName(int index) {
        StringBuilder name = new StringBuilder();
        for (int n = index + 1; n > 0; n = (n - 1) / 26) {
            name.insert(0, (char) ('A' + (n - 1) % 26));
        }
        return name.toString();
    }
}
