package titorelay.sheets;

import java.io.IOException;
import java.util.List;

/**
 * Where the rows go: Google Sheets, or CSV files when no spreadsheet is configured. The same upsert and batching
 * logic ({@link SheetBook}) drives both through these few calls.
 */
public interface Spreadsheet {

    /** The titles of the tabs that exist. */
    List<String> tabs() throws IOException;

    /** Creates the given tabs, in one request. */
    void addTabs(List<String> titles) throws IOException;

    /** The cells of each range, as rows of strings, trimmed as Google does ({@link TrimmedGrid}). */
    List<List<List<String>>> read(List<SheetRange> ranges) throws IOException;

    /** Writes every range in one request, as raw text (never interpreted as a formula). */
    void write(List<CellRange> ranges) throws IOException;

    /** For log and health messages. */
    String describe();
}
