package titorelay.sheets;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;

/**
 * One write's cells merged into a tab's rows, and written the cheapest way that keeps the file whole for readers:
 * appended when only rows after the last were added, spliced when some rows changed, rewritten when the tab's width
 * changed, rows went away, or the file is not laid out as the relay writes it.
 */
final class CsvTabEdit {

    private static final String[] NO_CELLS = new String[0];

    private final CsvTab before;
    private final List<String[]> rows;
    private final BitSet changed = new BitSet();

    CsvTabEdit(CsvTab before, List<CellRange> ranges) {
        this.before = before;
        this.rows = new ArrayList<>(before.rows()); // the rows it did not change are shared, never modified
        for (CellRange range : ranges) {
            while (rows.size() < range.row()) {
                rows.add(NO_CELLS);
            }
            int index = range.row() - 1;
            String[] row = rows.get(index);
            int needed = Math.max(row.length, range.column() + range.values().size());
            if (!changed.get(index) || row.length < needed) {
                row = Arrays.copyOf(row, needed);
                rows.set(index, row);
                changed.set(index);
            }
            for (int i = 0; i < range.values().size(); i++) {
                String value = range.values().get(i);
                row[range.column() + i] = value == null ? "" : value;
            }
        }
        for (int index = changed.nextSetBit(0); index >= 0; index = changed.nextSetBit(index + 1)) {
            String[] row = rows.get(index);
            for (int c = 0; c < row.length; c++) {
                if (row[c] == null) {
                    row[c] = "";
                }
            }
            int used = CsvTabFile.usedWidth(row);
            rows.set(index, used == 0 ? NO_CELLS : used == row.length ? row : Arrays.copyOf(row, used));
        }
        while (!rows.isEmpty() && rows.get(rows.size() - 1).length == 0) {
            rows.remove(rows.size() - 1);
        }
    }

    /** The rows this edit changed, by index (0 is the header), including those it emptied at the end. */
    BitSet changedRows() {
        return changed;
    }

    /**
     * The widest row. Rows this edit did not change are no wider than the tab was, so when a changed row is at least
     * that wide, it is the answer without looking at every row (a flush of new rows into a large tab).
     */
    private int width() {
        int widest = 0;
        for (int index = changed.nextSetBit(0); index >= 0 && index < rows.size();
             index = changed.nextSetBit(index + 1)) {
            widest = Math.max(widest, rows.get(index).length);
        }
        return widest >= before.width() ? widest : CsvTabFile.widthOf(rows);
    }

    /** Writes the edited tab to its file, and returns it as the file now holds it. */
    CsvTab writeTo(Path file) throws IOException {
        int width = width();
        int kept = before.rows().size();
        if (before.lineEnds() == null || width != before.width() || rows.size() < kept || kept == 0) {
            return CsvTabFile.rewrite(file, rows, width, before.bom());
        }
        if (changed.nextSetBit(0) >= kept) {
            return CsvTabFile.append(file, before, rows, width);
        }
        return CsvTabFile.splice(file, before, rows, changed, width);
    }
}
