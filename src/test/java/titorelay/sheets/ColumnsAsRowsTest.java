package titorelay.sheets;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Google's answer by column, read as the rows Google would have answered by row (expected grids written out). */
class ColumnsAsRowsTest {

    @Test
    void googlesDocumentedExample() {
        // A1=1, B1=2, A2=3, B2=4: by column [[1,3],[2,4]], by row [[1,2],[3,4]].
        assertEquals(List.of(List.of("1", "2"), List.of("3", "4")),
                ColumnsAsRows.of(columns(List.of("1", "3"), List.of("2", "4"))));
    }

    @Test
    void rowsEndAtTheirLastNonEmptyCellAndTheGridAtItsLastNonEmptyRow() {
        // Row 1: "", b1; row 2: a2, "", "", d2; row 3: "", b3 (column C empty, as Google sends it: []).
        List<List<String>> rows = ColumnsAsRows.of(columns(List.of("", "a2"), List.of("b1", "", "b3"), List.of(),
                List.of("", "d2")));
        assertEquals(List.of(List.of("", "b1"), List.of("a2", "", "", "d2"), List.of("", "b3")), rows);
        assertEquals(3, rows.size());
    }

    @Test
    void aKeyColumnIsOneRowPerKeyWithEmptyRowsBetweenKept() {
        List<List<String>> keys = ColumnsAsRows.of(columns(List.of("Slug", "ti_1", "", "ti_3")));
        assertEquals(List.of(List.of("Slug"), List.of("ti_1"), List.of(), List.of("ti_3")), keys);
    }

    @Test
    void cellsThatAreNotTextAreReadAsGoogleWritesThem() {
        List<Object> column = new ArrayList<>(Arrays.asList("Amount", new BigDecimal("12.50"), null, true));
        assertEquals(List.of(List.of("Amount"), List.of("12.50"), List.of(), List.of("true")),
                ColumnsAsRows.of(List.of(column)));
    }

    @Test
    void trailingEmptyCellsOfAColumnMakeNoRows() {
        assertEquals(List.of(List.of("a", "b")), ColumnsAsRows.of(columns(List.of("a", "", ""), List.of("b", ""))));
        assertEquals(List.of(), ColumnsAsRows.of(columns(List.of("", ""), List.of())));
    }

    @Test
    void anEmptyRangeHasNoRows() {
        assertEquals(List.of(), ColumnsAsRows.of(null));
        assertEquals(List.of(), ColumnsAsRows.of(List.of()));
    }

    @Test
    void aRowOutsideTheGridIsAnError() {
        List<List<String>> rows = ColumnsAsRows.of(columns(List.of("a")));
        assertThrows(IndexOutOfBoundsException.class, () -> rows.get(1));
        assertThrows(IndexOutOfBoundsException.class, () -> rows.get(-1));
    }

    @SafeVarargs
    private static List<List<Object>> columns(List<Object>... columns) {
        return List.of(columns);
    }
}
