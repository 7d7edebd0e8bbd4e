package titorelay.sheets;

import java.util.ArrayList;
import java.util.List;

/**
 * Google's rule for the cells it returns, which the relay relies on wherever it reads: a row ends at its last
 * non-empty cell, and a grid at its last non-empty row.
 */
public final class TrimmedGrid {

    private TrimmedGrid() {
    }

    /** The grid without trailing empty cells in each row and without trailing empty rows. */
    public static List<List<String>> of(List<List<String>> grid) {
        List<List<String>> trimmed = new ArrayList<>();
        for (List<String> row : grid) {
            trimmed.add(new ArrayList<>(row.subList(0, usedWidth(row))));
        }
        while (!trimmed.isEmpty() && trimmed.get(trimmed.size() - 1).isEmpty()) {
            trimmed.remove(trimmed.size() - 1);
        }
        return trimmed;
    }

    /** How many cells of the row are left once trailing empty ones are cut. */
    public static int usedWidth(List<String> row) {
        int end = row.size();
        while (end > 0 && (row.get(end - 1) == null || row.get(end - 1).isEmpty())) {
            end--;
        }
        return end;
    }
}
