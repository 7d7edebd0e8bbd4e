package titorelay.sheets;

import java.util.List;

/**
 * Consecutive cells of one row, as written: {@code values} from {@code column} (0 = A) rightwards, in row
 * {@code row} (1 = the header row).
 */
public record CellRange(String tab, int row, int column, List<String> values) {
}
