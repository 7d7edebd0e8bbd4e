package titorelay.sheets;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One write's cells merged into a tab's rows, and written the cheapest way that keeps the file whole for readers:
 * appended when only rows after the last were added, spliced when some rows changed, rewritten when the tab's width
 * changed, rows went away, or the file is not laid out as the relay writes it.
 */
final class CsvTabEdit {

    private static final String[] NO_CELLS = new String[0];

    private final CsvTab before;
    private final PackedRows rows;
    private final BitSet changed = new BitSet();

    CsvTabEdit(CsvTab before, List<CellRange> ranges) {
        this.before = before;
        PackedRows.Editor edited = before.rows().edit(); // the rows it does not change are shared, never modified
        Map<Integer, String[]> cellsOf = new HashMap<>(); // the changed rows' cells, made once
        for (CellRange range : ranges) {
            while (edited.size() < range.row()) {
                edited.add(NO_CELLS);
            }
            int index = range.row() - 1;
            String[] row = cellsOf.computeIfAbsent(index, edited::cells);
            int needed = range.column() + range.values().size();
            if (row.length < needed) {
                row = Arrays.copyOf(row, needed);
                cellsOf.put(index, row);
            }
            changed.set(index);
            for (int i = 0; i < range.values().size(); i++) {
                String value = range.values().get(i);
                row[range.column() + i] = value == null ? "" : value;
            }
        }
        for (Map.Entry<Integer, String[]> row : cellsOf.entrySet()) {
            String[] cells = row.getValue();
            int used = CsvTabFile.usedWidth(cells);
            edited.set(row.getKey(), used == cells.length ? cells : Arrays.copyOf(cells, used));
        }
        while (edited.size() > 0 && edited.width(edited.size() - 1) == 0) {
            edited.removeLast();
        }
        this.rows = edited.done();
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
            widest = Math.max(widest, rows.width(index));
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
