package titorelay.sheets;

/**
 * A column read from a spreadsheet ({@link Spreadsheet#read}, a {@link SheetRange.Column}) that can say where a value
 * first appears without being scanned, as the CSV sheet's can; Google's columns are scanned.
 */
interface IndexedColumn {

    /** The first row (0 is the header) below the header whose cell is {@code value} (not empty), or -1. */
    int firstRowBelowHeader(String value);
}
