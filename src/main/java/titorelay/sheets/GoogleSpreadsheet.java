package titorelay.sheets;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import com.google.api.services.sheets.v4.model.AddSheetRequest;
import com.google.api.services.sheets.v4.model.AppendDimensionRequest;
import com.google.api.services.sheets.v4.model.BatchGetValuesResponse;
import com.google.api.services.sheets.v4.model.BatchUpdateSpreadsheetRequest;
import com.google.api.services.sheets.v4.model.BatchUpdateSpreadsheetResponse;
import com.google.api.services.sheets.v4.model.BatchUpdateValuesRequest;
import com.google.api.services.sheets.v4.model.GridProperties;
import com.google.api.services.sheets.v4.model.Request;
import com.google.api.services.sheets.v4.model.Response;
import com.google.api.services.sheets.v4.model.Sheet;
import com.google.api.services.sheets.v4.model.SheetProperties;
import com.google.api.services.sheets.v4.model.Spreadsheet;
import com.google.api.services.sheets.v4.model.ValueRange;
import org.apache.camel.ProducerTemplate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import titorelay.Headers;

/**
 * Google Sheets through camel-google-sheets: each call goes to the {@code direct:google-sheets} route in
 * routes/spreadsheet.yaml, naming in {@link Headers#SHEETS_CALL} which of the Sheets API's calls its google-sheets endpoint makes.
 * The only place where ranges become A1 notation.
 * <p>
 * Google refuses a write to cells beyond a tab's grid ("exceeds grid limits": a tab Google adds has 1,000 rows and 26
 * columns), so before a write that needs more, the tab is grown first (appendDimension), with a margin of rows so that
 * few writes need it.
 */
public final class GoogleSpreadsheet implements titorelay.sheets.Spreadsheet {

    private static final Logger LOG = LoggerFactory.getLogger(GoogleSpreadsheet.class);
    private static final String ARGUMENT = "CamelGoogleSheets.";
    /** Rows a tab grows by beyond what a write needs: half its size, within these bounds. */
    private static final int MIN_ROWS_MARGIN = 1_000;
    private static final int MAX_ROWS_MARGIN = 10_000;

    private final ProducerTemplate template;
    private final String spreadsheetId;
    /** Each tab's grid as Google last told it (or as the relay grew it), by title in lower case (Google's tab names). */
    private final Map<String, Grid> grids = new ConcurrentHashMap<>();

    /** A tab's id, and how many rows and columns its grid has. */
    private record Grid(int sheetId, int rows, int columns) {
    }

    public GoogleSpreadsheet(ProducerTemplate template, String spreadsheetId) {
        this.template = template;
        this.spreadsheetId = spreadsheetId;
    }

    @Override
    public List<String> tabs() throws IOException {
        Spreadsheet spreadsheet = call("spreadsheets/get", Map.of(), Spreadsheet.class);
        List<String> titles = new ArrayList<>();
        grids.clear(); // a tab deleted by hand is gone from it too
        if (spreadsheet.getSheets() != null) {
            for (Sheet sheet : spreadsheet.getSheets()) {
                titles.add(sheet.getProperties().getTitle());
                remember(sheet.getProperties());
            }
        }
        return titles;
    }

    @Override
    public void addTabs(List<String> titles) throws IOException {
        List<Request> requests = titles.stream()
                .map(title -> new Request().setAddSheet(new AddSheetRequest().setProperties(new SheetProperties().setTitle(title))))
                .toList();
        BatchUpdateSpreadsheetResponse added = call("spreadsheets/batchUpdate",
                Map.of(ARGUMENT + "batchUpdateSpreadsheetRequest", new BatchUpdateSpreadsheetRequest().setRequests(requests)),
                BatchUpdateSpreadsheetResponse.class);
        if (added != null && added.getReplies() != null) {
            for (Response reply : added.getReplies()) {
                if (reply.getAddSheet() != null) {
                    remember(reply.getAddSheet().getProperties());
                }
            }
        }
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
        growGridsFor(ranges);
        try {
            writeValues(ranges);
        } catch (SpreadsheetException e) {
            if (!SpreadsheetException.isBadRequest(e) || !String.valueOf(e.getMessage()).contains("exceeds grid limits")) {
                throw e;
            }
            // The grid is smaller than the relay knew (rows or columns deleted by hand): ask Google, grow, write again.
            LOG.info("{}: a tab is smaller than the relay knew (rows or columns deleted by hand?); reading its size and"
                     + " writing again", describe());
            tabs();
            growGridsFor(ranges);
            writeValues(ranges);
        }
    }

    private void writeValues(List<CellRange> ranges) throws IOException {
        List<ValueRange> data = ranges.stream()
                .map(r -> new ValueRange().setRange(a1(r)).setMajorDimension("ROWS")
                        .setValues(List.of(new ArrayList<Object>(r.values()))))
                .toList();
        call("data/batchUpdate",
                Map.of(ARGUMENT + "batchUpdateValuesRequest", new BatchUpdateValuesRequest().setValueInputOption("RAW").setData(data)),
                Object.class);
    }

    /** Grows, in one call, each tab whose grid ends before a cell the write names. */
    private void growGridsFor(List<CellRange> ranges) throws IOException {
        try {
            growGrids(ranges);
        } catch (SpreadsheetException e) {
            if (!SpreadsheetException.isBadRequest(e)) {
                throw e;
            }
            // A tab deleted and added again by hand since the relay last asked (so with another id): ask again.
            LOG.info("{}: Google refused to grow a tab ({}); reading the tabs again", describe(), e.getMessage());
            tabs();
            growGrids(ranges);
        }
    }

    private void growGrids(List<CellRange> ranges) throws IOException {
        Map<String, int[]> needed = new LinkedHashMap<>(); // by tab: rows, columns
        for (CellRange range : ranges) {
            int[] need = needed.computeIfAbsent(range.tab(), t -> new int[2]);
            need[0] = Math.max(need[0], range.row());
            need[1] = Math.max(need[1], range.column() + range.values().size());
        }
        if (needed.keySet().stream().anyMatch(tab -> grids.get(key(tab)) == null)) {
            tabs(); // a tab added by hand since, or the first write: its grid is not known yet
        }
        List<Request> requests = new ArrayList<>();
        Map<String, Grid> grown = new LinkedHashMap<>();
        for (Map.Entry<String, int[]> entry : needed.entrySet()) {
            Grid grid = grids.get(key(entry.getKey()));
            if (grid == null) {
                continue; // no such tab: Google's answer to the write says so
            }
            int rows = entry.getValue()[0];
            int columns = entry.getValue()[1];
            int addRows = rows <= grid.rows() ? 0
                    : rows - grid.rows() + Math.min(MAX_ROWS_MARGIN, Math.max(MIN_ROWS_MARGIN, grid.rows() / 2));
            int addColumns = Math.max(0, columns - grid.columns());
            if (addRows > 0) {
                requests.add(new Request().setAppendDimension(new AppendDimensionRequest()
                        .setSheetId(grid.sheetId()).setDimension("ROWS").setLength(addRows)));
            }
            if (addColumns > 0) {
                requests.add(new Request().setAppendDimension(new AppendDimensionRequest()
                        .setSheetId(grid.sheetId()).setDimension("COLUMNS").setLength(addColumns)));
            }
            if (addRows > 0 || addColumns > 0) {
                grown.put(entry.getKey(), new Grid(grid.sheetId(), grid.rows() + addRows, grid.columns() + addColumns));
            }
        }
        if (requests.isEmpty()) {
            return;
        }
        call("spreadsheets/batchUpdate",
                Map.of(ARGUMENT + "batchUpdateSpreadsheetRequest", new BatchUpdateSpreadsheetRequest().setRequests(requests)),
                Object.class);
        grown.forEach((tab, grid) -> {
            grids.put(key(tab), grid);
            LOG.info("Tab {} of {} grown to {} rows and {} columns, for the rows to come", tab, describe(), grid.rows(),
                    grid.columns());
        });
    }

    private void remember(SheetProperties properties) {
        GridProperties grid = properties == null ? null : properties.getGridProperties();
        if (grid != null && properties.getSheetId() != null && grid.getRowCount() != null && grid.getColumnCount() != null) {
            grids.put(key(properties.getTitle()), new Grid(properties.getSheetId(), grid.getRowCount(), grid.getColumnCount()));
        }
    }

    /** Google takes tab names that differ only in case for one. */
    private static String key(String title) {
        return title.toLowerCase(Locale.ROOT);
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
