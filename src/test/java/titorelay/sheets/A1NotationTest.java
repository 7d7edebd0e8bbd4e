package titorelay.sheets;

import java.util.List;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Ranges become A1 notation only on the way to Google, with tab names quoted as Google requires. */
class A1NotationTest {

    @Test
    void readRangesAndWrittenCells() {
        assertEquals("'Tickets'", GoogleSpreadsheet.a1(new SheetRange.WholeTab("Tickets")));
        assertEquals("'Tickets'!1:1", GoogleSpreadsheet.a1(new SheetRange.Row("Tickets", 1)));
        assertEquals("'Tickets'!AB:AB", GoogleSpreadsheet.a1(new SheetRange.Column("Tickets", 27)));
        assertEquals("'Tickets'!Z7:AA7", GoogleSpreadsheet.a1(new CellRange("Tickets", 7, 25, List.of("a", "b"))));
        assertEquals("'Tickets'!A2:A2", GoogleSpreadsheet.a1(new CellRange("Tickets", 2, 0, List.of("x"))));
    }

    @Test
    void aQuoteInATabNameIsDoubled() {
        assertEquals("'Bob''s tickets'!C:C", GoogleSpreadsheet.a1(new SheetRange.Column("Bob's tickets", 2)));
        assertEquals("'It''s!'!3:3", GoogleSpreadsheet.a1(new SheetRange.Row("It's!", 3)));
    }

    @Test
    void googleTrimsTrailingEmptyCellsAndRowsOnly() {
        List<List<String>> grid = List.of(List.of("a", "", "b", "", ""), List.of("", ""), List.of("", "c"), List.of(),
                List.of("", ""));
        assertEquals(List.of(List.of("a", "", "b"), List.of(), List.of("", "c")), TrimmedGrid.of(grid));
        assertEquals(0, TrimmedGrid.usedWidth(List.of("", "")));
    }
}
