package titorelay.sheets;

/**
 * What a read asks for: a whole tab, one row of it, or one column of it. Only {@link GoogleSpreadsheet} turns it
 * into A1 notation; everything else works with these values.
 */
public sealed interface SheetRange {

    String tab();

    /** Every cell of the tab. */
    record WholeTab(String tab) implements SheetRange {
    }

    /** One row; 1 is the header row. */
    record Row(String tab, int row) implements SheetRange {
    }

    /** One column, from the header row down; 0 is column A. */
    record Column(String tab, int column) implements SheetRange {
    }
}
