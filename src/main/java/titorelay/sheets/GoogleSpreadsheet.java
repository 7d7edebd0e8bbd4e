package titorelay.sheets;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import com.google.api.services.sheets.v4.model.AddSheetRequest;
import com.google.api.services.sheets.v4.model.BatchGetValuesResponse;
import com.google.api.services.sheets.v4.model.BatchUpdateSpreadsheetRequest;
import com.google.api.services.sheets.v4.model.BatchUpdateValuesRequest;
import com.google.api.services.sheets.v4.model.Request;
import com.google.api.services.sheets.v4.model.Sheet;
import com.google.api.services.sheets.v4.model.SheetProperties;
import com.google.api.services.sheets.v4.model.Spreadsheet;
import com.google.api.services.sheets.v4.model.ValueRange;
import org.apache.camel.ProducerTemplate;
import titorelay.Headers;

/**
 * Google Sheets through camel-google-sheets: each call goes to the {@code direct:google-sheets} route in
 * routes/spreadsheet.yaml, naming in {@link Headers#SHEETS_CALL} which of the Sheets API's calls its google-sheets endpoint makes.
 * The only place where ranges become A1 notation.
 */
public final class GoogleSpreadsheet implements titorelay.sheets.Spreadsheet {

    private static final String ARGUMENT = "CamelGoogleSheets.";

    private final ProducerTemplate template;
    private final String spreadsheetId;

    public GoogleSpreadsheet(ProducerTemplate template, String spreadsheetId) {
        this.template = template;
        this.spreadsheetId = spreadsheetId;
    }

    @Override
    public List<String> tabs() throws IOException {
        Spreadsheet spreadsheet = call("spreadsheets/get", Map.of(), Spreadsheet.class);
        List<String> titles = new ArrayList<>();
        if (spreadsheet.getSheets() != null) {
            for (Sheet sheet : spreadsheet.getSheets()) {
                titles.add(sheet.getProperties().getTitle());
            }
        }
        return titles;
    }

    @Override
    public void addTabs(List<String> titles) throws IOException {
        List<Request> requests = titles.stream()
                .map(title -> new Request().setAddSheet(new AddSheetRequest().setProperties(new SheetProperties().setTitle(title))))
                .toList();
        call("spreadsheets/batchUpdate",
                Map.of(ARGUMENT + "batchUpdateSpreadsheetRequest", new BatchUpdateSpreadsheetRequest().setRequests(requests)),
                Object.class);
    }

    @Override
    public List<List<List<String>>> read(List<SheetRange> ranges) throws IOException {
        // By column: a key column then comes as one list, not as a list per row (ColumnsAsRows).
        BatchGetValuesResponse response = call("data/batchGet", Map.of(
                ARGUMENT + "ranges", ranges.stream().map(GoogleSpreadsheet::a1).toList(),
                ARGUMENT + "majorDimension", "COLUMNS"), BatchGetValuesResponse.class);
        List<List<List<String>>> grids = new ArrayList<>();
        for (ValueRange range : response.getValueRanges()) {
            grids.add(ColumnsAsRows.of(range.getValues()));
        }
        return grids;
    }

    @Override
    public void write(List<CellRange> ranges) throws IOException {
        List<ValueRange> data = ranges.stream()
                .map(r -> new ValueRange().setRange(a1(r)).setMajorDimension("ROWS")
                        .setValues(List.of(new ArrayList<Object>(r.values()))))
                .toList();
        call("data/batchUpdate",
                Map.of(ARGUMENT + "batchUpdateValuesRequest", new BatchUpdateValuesRequest().setValueInputOption("RAW").setData(data)),
                Object.class);
    }

    @Override
    public String describe() {
        return "Google spreadsheet " + spreadsheetId;
    }

    private <T> T call(String apiCall, Map<String, Object> arguments, Class<T> type) throws IOException {
        Map<String, Object> headers = new HashMap<>(arguments);
        headers.put(Headers.SHEETS_CALL, apiCall); // as camel-google-sheets spells it: spreadsheets/get, data/batchGet...
        try {
            return template.requestBodyAndHeaders("direct:google-sheets", null, headers, type);
        } catch (org.apache.camel.CamelExecutionException e) {
            throw new SpreadsheetException(e.getCause() != null ? e.getCause() : e);
        }
    }

    static String a1(SheetRange range) {
        String tab = quoted(range.tab());
        if (range instanceof SheetRange.Row row) {
            return tab + "!" + row.row() + ":" + row.row();
        }
        if (range instanceof SheetRange.Column column) {
            return tab + "!" + columnName(column.column()) + ":" + columnName(column.column());
        }
        return tab;
    }

    static String a1(CellRange cells) {
        return quoted(cells.tab()) + "!" + columnName(cells.column()) + cells.row() + ":"
               + columnName(cells.column() + cells.values().size() - 1) + cells.row();
    }

    /** Google's quoting of a tab name: in single quotes, a quote inside doubled. */
    private static String quoted(String tab) {
        return "'" + tab.replace("'", "''") + "'";
    }

    /** 0 → A, 25 → Z, 26 → AA. */
    static String columnName(int index) {
        StringBuilder name = new StringBuilder();
        for (int n = index + 1; n > 0; n = (n - 1) / 26) {
            name.insert(0, (char) ('A' + (n - 1) % 26));
        }
        return name.toString();
    }
}
