package titorelay.sheets;

import java.io.IOException;
import java.util.ArrayList;
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

/**
 * Google Sheets through camel-google-sheets: each call goes to a {@code direct:google-sheets-*} route in
 * routes/spreadsheet.yaml, whose google-sheets endpoint does the request.
 */
public final class GoogleSpreadsheet implements titorelay.sheets.Spreadsheet {

    private final ProducerTemplate template;
    private final String spreadsheetId;

    public GoogleSpreadsheet(ProducerTemplate template, String spreadsheetId) {
        this.template = template;
        this.spreadsheetId = spreadsheetId;
    }

    @Override
    public List<String> tabs() throws IOException {
        Spreadsheet spreadsheet = call("direct:google-sheets-get", null, Map.of(), Spreadsheet.class);
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
        call("direct:google-sheets-add-tabs", new BatchUpdateSpreadsheetRequest().setRequests(requests), Map.of(), Object.class);
    }

    @Override
    public List<List<List<String>>> read(List<String> ranges) throws IOException {
        BatchGetValuesResponse response = call("direct:google-sheets-read", null,
                Map.of("CamelGoogleSheets.ranges", ranges), BatchGetValuesResponse.class);
        List<List<List<String>>> grids = new ArrayList<>();
        for (ValueRange range : response.getValueRanges()) {
            List<List<String>> grid = new ArrayList<>();
            if (range.getValues() != null) {
                for (List<Object> row : range.getValues()) {
                    grid.add(row.stream().map(cell -> cell == null ? "" : cell.toString()).toList());
                }
            }
            grids.add(grid);
        }
        return grids;
    }

    @Override
    public void write(List<CellRange> ranges) throws IOException {
        List<ValueRange> data = ranges.stream()
                .map(r -> new ValueRange().setRange(r.a1()).setMajorDimension("ROWS")
                        .setValues(List.of(new ArrayList<Object>(r.values()))))
                .toList();
        call("direct:google-sheets-write",
                new BatchUpdateValuesRequest().setValueInputOption("RAW").setData(data), Map.of(), Object.class);
    }

    @Override
    public String describe() {
        return "Google spreadsheet " + spreadsheetId;
    }

    private <T> T call(String route, Object body, Map<String, Object> headers, Class<T> type) throws IOException {
        try {
            return template.requestBodyAndHeaders(route, body, headers, type);
        } catch (org.apache.camel.CamelExecutionException e) {
            throw new SpreadsheetException(e.getCause() != null ? e.getCause() : e);
        }
    }
}
