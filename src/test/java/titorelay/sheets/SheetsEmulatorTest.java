package titorelay.sheets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import com.google.api.client.googleapis.json.GoogleJsonResponseException;
import com.google.api.client.http.HttpRequestInitializer;
import com.google.api.client.http.javanet.NetHttpTransport;
import com.google.api.client.json.gson.GsonFactory;
import com.google.api.client.util.Data;
import com.google.api.services.sheets.v4.Sheets;
import com.google.api.services.sheets.v4.model.AddSheetRequest;
import com.google.api.services.sheets.v4.model.AppendDimensionRequest;
import com.google.api.services.sheets.v4.model.BatchGetValuesResponse;
import com.google.api.services.sheets.v4.model.BatchUpdateSpreadsheetRequest;
import com.google.api.services.sheets.v4.model.BatchUpdateSpreadsheetResponse;
import com.google.api.services.sheets.v4.model.BatchUpdateValuesRequest;
import com.google.api.services.sheets.v4.model.BatchUpdateValuesResponse;
import com.google.api.services.sheets.v4.model.Request;
import com.google.api.services.sheets.v4.model.Sheet;
import com.google.api.services.sheets.v4.model.SheetProperties;
import com.google.api.services.sheets.v4.model.Spreadsheet;
import com.google.api.services.sheets.v4.model.ValueRange;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The emulator, driven by the real Google Sheets client, behaves as the relay needs Google to behave, in the four calls
 * the relay makes, and its faults happen as the tests that inject them expect.
 */
class SheetsEmulatorTest {

    private static final String ID = "emulated-sheet";

    private SheetsEmulator emulator;
    private Sheets sheets;

    @BeforeEach
    void start() {
        emulator = SheetsEmulator.start();
        emulator.createSpreadsheet(ID);
        sheets = client(request -> {});
    }

    @AfterEach
    void stop() {
        emulator.close();
    }

    private Sheets client(HttpRequestInitializer initializer) {
        return new Sheets.Builder(new NetHttpTransport(), GsonFactory.getDefaultInstance(), initializer)
                .setRootUrl(emulator.rootUrl())
                .setApplicationName("emulator-test")
                .build();
    }

    private void addTabs(String... titles) throws Exception {
        List<Request> requests = Arrays.stream(titles)
                .map(t -> new Request().setAddSheet(new AddSheetRequest().setProperties(new SheetProperties().setTitle(t))))
                .toList();
        sheets.spreadsheets().batchUpdate(ID, new BatchUpdateSpreadsheetRequest().setRequests(requests)).execute();
    }

    private BatchUpdateValuesResponse write(String range, List<List<Object>> values) throws Exception {
        ValueRange data = new ValueRange().setRange(range).setMajorDimension("ROWS").setValues(values);
        return sheets.spreadsheets().values()
                .batchUpdate(ID, new BatchUpdateValuesRequest().setValueInputOption("RAW").setData(List.of(data)))
                .execute();
    }

    private List<List<Object>> read(String range) throws Exception {
        return sheets.spreadsheets().values().batchGet(ID).setRanges(List.of(range)).execute().getValueRanges().get(0).getValues();
    }

    @SafeVarargs
    private static <T> List<List<T>> rows(List<T>... rows) {
        return List.of(rows);
    }

    @Test
    void addedTabIsListedBySpreadsheetGet() throws Exception {
        BatchUpdateSpreadsheetResponse reply = sheets.spreadsheets()
                .batchUpdate(ID, new BatchUpdateSpreadsheetRequest().setRequests(List.of(new Request()
                        .setAddSheet(new AddSheetRequest().setProperties(new SheetProperties().setTitle("Tickets"))))))
                .execute();
        assertEquals("Tickets", reply.getReplies().get(0).getAddSheet().getProperties().getTitle());

        Spreadsheet spreadsheet = sheets.spreadsheets().get(ID).execute();
        assertEquals(ID, spreadsheet.getSpreadsheetId());
        List<String> titles = spreadsheet.getSheets().stream().map(Sheet::getProperties).map(SheetProperties::getTitle).toList();
        assertEquals(List.of("Sheet1", "Tickets"), titles);
        SheetProperties tickets = spreadsheet.getSheets().get(1).getProperties();
        assertEquals(1, tickets.getIndex());
        assertEquals(List.of("Sheet1", "Tickets"), emulator.tabs(ID));
        assertEquals(List.of(), emulator.grid(ID, "Tickets"));
    }

    @Test
    void aWriteBeyondTheGridIsRefusedAsGoogleRefusesItUntilAppendDimensionGrowsTheGrid() throws Exception {
        addTabs("Tickets");
        SheetProperties added = sheets.spreadsheets().get(ID).execute().getSheets().get(1).getProperties();
        assertEquals(1_000, added.getGridProperties().getRowCount(), "addSheet's default grid, as Google's");
        assertEquals(26, added.getGridProperties().getColumnCount());
        write("'Tickets'!A1000:Z1000", rows(List.of("last row, last column")));

        GoogleJsonResponseException pastRows = assertThrows(GoogleJsonResponseException.class,
                () -> write("'Tickets'!A1001:B1001", rows(List.of("a", "b"))));
        assertEquals(400, pastRows.getStatusCode());
        assertTrue(pastRows.getDetails().getMessage().contains("exceeds grid limits. Max rows: 1000, max columns: 26"),
                pastRows.getDetails().getMessage());
        GoogleJsonResponseException pastColumns = assertThrows(GoogleJsonResponseException.class,
                () -> write("'Tickets'!Z2:AA2", rows(List.of("z", "aa"))));
        assertEquals(400, pastColumns.getStatusCode());
        // A batch with one range beyond the grid writes nothing at all.
        GoogleJsonResponseException mixed = assertThrows(GoogleJsonResponseException.class,
                () -> sheets.spreadsheets().values().batchUpdate(ID, new BatchUpdateValuesRequest().setValueInputOption("RAW")
                        .setData(List.of(new ValueRange().setRange("'Tickets'!A1:A1").setValues(rows(List.of("inside"))),
                                new ValueRange().setRange("'Tickets'!A1001:A1001").setValues(rows(List.of("outside"))))))
                        .execute());
        assertEquals(400, mixed.getStatusCode());
        assertEquals(List.of(), emulator.grid(ID, "Tickets").get(0), "nothing of that batch written");

        int sheetId = added.getSheetId();
        sheets.spreadsheets().batchUpdate(ID, new BatchUpdateSpreadsheetRequest().setRequests(List.of(
                new Request().setAppendDimension(new AppendDimensionRequest().setSheetId(sheetId).setDimension("ROWS")
                        .setLength(5)),
                new Request().setAppendDimension(new AppendDimensionRequest().setSheetId(sheetId).setDimension("COLUMNS")
                        .setLength(1))))).execute();
        write("'Tickets'!A1005:B1005", rows(List.of("a", "b")));
        write("'Tickets'!Z2:AA2", rows(List.of("z", "aa")));
        assertEquals(List.of("a", "b"), emulator.grid(ID, "Tickets").get(1004));
        assertEquals("aa", emulator.grid(ID, "Tickets").get(1).get(26));
        assertEquals(1_005, emulator.gridSize(ID, "Tickets")[0]);
        assertEquals(27, emulator.gridSize(ID, "Tickets")[1]);
        assertEquals(2, emulator.appendDimensions());
        GoogleJsonResponseException noSuchGrid = assertThrows(GoogleJsonResponseException.class,
                () -> sheets.spreadsheets().batchUpdate(ID, new BatchUpdateSpreadsheetRequest().setRequests(List.of(
                        new Request().setAppendDimension(new AppendDimensionRequest().setSheetId(999).setDimension("ROWS")
                                .setLength(5))))).execute());
        assertEquals(400, noSuchGrid.getStatusCode());
        assertEquals(1_005, emulator.gridSize(ID, "Tickets")[0]);
    }

    @Test
    void addingAnExistingTabIsRejectedAndChangesNothing() throws Exception {
        addTabs("Tickets");
        GoogleJsonResponseException e = assertThrows(GoogleJsonResponseException.class, () -> addTabs("Orders", "tickets"));
        assertEquals(400, e.getStatusCode());
        assertEquals("INVALID_ARGUMENT", e.getDetails().get("status"));
        assertEquals("Invalid requests[1].addSheet: A sheet with the name \"tickets\" already exists. Please enter"
                     + " another name.", e.getDetails().getMessage());
        assertEquals(List.of("Sheet1", "Tickets"), emulator.tabs(ID));
    }

    @Test
    void gzippedWriteReadsBackExactly() throws Exception {
        addTabs("Tickets");
        BatchUpdateValuesResponse response = write("'Tickets'!A1:C2",
                rows(List.of("id", "name", "email"), List.of("T-1", "", "ada@example.org")));
        assertEquals(6, response.getTotalUpdatedCells());
        assertEquals(1, response.getTotalUpdatedSheets());
        assertTrue(emulator.requestLog().stream().anyMatch(line -> line.contains("values:batchUpdate 200 gzip")),
                "the client compressed the body: " + emulator.requestLog());

        assertEquals(rows(List.of("id", "name", "email"), List.of("T-1", "", "ada@example.org")), read("'Tickets'"));
        assertEquals(rows(List.of("id", "name", "email"), List.of("T-1", "", "ada@example.org")), emulator.grid(ID, "Tickets"));
    }

    @Test
    void nullCellsAreLeftAloneAndEmptyStringClears() throws Exception {
        addTabs("Tickets");
        emulator.setGrid(ID, "Tickets", rows(List.of("a", "b", "c", "d"), List.of("e", "f", "g", "h")));

        // The Google client drops a plain Java null from a list (the cells after it would shift left); Data.NULL_STRING
        // is how it sends a JSON null.
        write("'Tickets'!A2:D2", rows(Arrays.asList(Data.NULL_STRING, "F", "", Data.NULL_STRING)));
        // A row shorter than its range leaves the cells past its end alone.
        write("'Tickets'!A1:D1", rows(List.of("A")));

        assertEquals(rows(List.of("A", "b", "c", "d"), List.of("e", "F", "", "h")), emulator.grid(ID, "Tickets"));

        write("'Tickets'!C2:D2", rows(List.of("", "")));
        assertEquals(rows(List.of("A", "b", "c", "d"), List.of("e", "F")), emulator.grid(ID, "Tickets"));
        assertEquals(rows(List.of("A", "b", "c", "d"), List.of("e", "F")), read("'Tickets'"));
    }

    @Test
    void javaNullIsNotSentByTheClient() throws Exception {
        addTabs("Tickets");
        emulator.setGrid(ID, "Tickets", rows(List.of("a", "b", "c")));
        write("'Tickets'!A1:C1", rows(Arrays.asList("x", null, "z")));
        // Documented pitfall, not an emulator choice: the null vanished on the wire and "z" landed in column B.
        assertEquals(rows(List.of("x", "z", "c")), emulator.grid(ID, "Tickets"));
    }

    @Test
    void theRangesTheRelayReadsAreTrimmedAsGoogleTrimsThem() throws Exception {
        addTabs("Tickets");
        emulator.setGrid(ID, "Tickets", rows(List.of("id", "name", ""), List.of("T-1", "Ada"), List.of(), List.of("T-3", "", "x"),
                List.of("", "")));

        assertEquals(rows(List.of("id", "name"), List.of("T-1", "Ada"), List.of(), List.of("T-3", "", "x")), read("'Tickets'"));
        assertEquals(rows(List.of("id", "name")), read("'Tickets'!1:1"));
        assertEquals(rows(List.of("T-3", "", "x")), read("'Tickets'!4:4"));
        assertNull(read("'Tickets'!3:3"), "an empty row comes back without values");
        assertEquals(rows(List.of("id"), List.of("T-1"), List.of(), List.of("T-3")), read("'Tickets'!A:A"));
        assertEquals(rows(List.of("name"), List.of("Ada")), read("'Tickets'!B:B"), "empty cells below are trimmed");
        assertEquals(rows(List.of("Ada")), read("'Tickets'!B2:C2"));
    }

    @Test
    void writeOutsideItsRangeOrToAnUnknownTabIsRejected() throws Exception {
        addTabs("Tickets");
        GoogleJsonResponseException tooWide = assertThrows(GoogleJsonResponseException.class,
                () -> write("'Tickets'!A1:B1", rows(List.of("a", "b", "c"))));
        assertEquals(400, tooWide.getStatusCode());
        GoogleJsonResponseException unknown = assertThrows(GoogleJsonResponseException.class,
                () -> write("'Nope'!A1:A1", rows(List.of("a"))));
        assertEquals(400, unknown.getStatusCode());
        assertEquals("Unable to parse range: 'Nope'!A1:A1", unknown.getDetails().getMessage());
        assertEquals(List.of(), emulator.grid(ID, "Tickets"));
        assertEquals(0, emulator.writeRequests());
    }

    @Test
    void oneCellOverFiftyThousandCharactersFailsTheWholeBatch() throws Exception {
        addTabs("Tickets");
        List<ValueRange> data = List.of(
                new ValueRange().setRange("'Tickets'!A1:A1").setValues(rows(List.of("fine"))),
                new ValueRange().setRange("'Tickets'!A2:A2").setValues(rows(List.of("x".repeat(50_001)))));
        GoogleJsonResponseException tooLong = assertThrows(GoogleJsonResponseException.class, () -> sheets.spreadsheets()
                .values().batchUpdate(ID, new BatchUpdateValuesRequest().setValueInputOption("RAW").setData(data)).execute());
        assertEquals(400, tooLong.getStatusCode());
        assertEquals("INVALID_ARGUMENT", tooLong.getDetails().get("status"));
        assertEquals("Your input contains more than the maximum of 50000 characters in a single cell.",
                tooLong.getDetails().getMessage());
        assertEquals(List.of(), emulator.grid(ID, "Tickets"), "nothing of the batch is written");

        write("'Tickets'!A1:A1", rows(List.of("y".repeat(50_000))));
        assertEquals(50_000, emulator.grid(ID, "Tickets").get(0).get(0).length(), "exactly at the limit is fine");
    }

    @Test
    void batchGetAnswersEachRangeInOrder() throws Exception {
        addTabs("Tickets", "Registrations");
        emulator.setGrid(ID, "Tickets", rows(List.of("t1"), List.of("t2")));
        emulator.setGrid(ID, "Registrations", rows(List.of("r1", "r2")));

        BatchGetValuesResponse response = sheets.spreadsheets().values().batchGet(ID)
                .setRanges(List.of("'Tickets'!A:A", "'Registrations'!1:1", "'Sheet1'!A1:C3")).execute();
        assertEquals(ID, response.getSpreadsheetId());
        assertEquals(3, response.getValueRanges().size());
        assertEquals(rows(List.of("t1"), List.of("t2")), response.getValueRanges().get(0).getValues());
        assertEquals(rows(List.of("r1", "r2")), response.getValueRanges().get(1).getValues());
        assertNull(response.getValueRanges().get(2).getValues());
        assertEquals(1, emulator.readRequests());
    }

    @Test
    void batchGetByColumnsAnswersEachColumnFromTheTopAsGoogleDocumentsIt() throws Exception {
        // Google's example for majorDimension: A1=1, B1=2, A2=3, B2=4 read as ROWS is [[1,2],[3,4]], as COLUMNS [[1,3],[2,4]].
        emulator.setGrid(ID, "Sheet1", rows(List.of("1", "2"), List.of("3", "4")));
        assertEquals(rows(List.of("1", "3"), List.of("2", "4")), readByColumns("'Sheet1'!A1:B2"));
        // Each column ends at its last non-empty cell, and trailing empty columns are left out; an empty cell above
        // a value, and an empty column before one, stay.
        emulator.setGrid(ID, "Sheet1", rows(List.of("", "b1", "", "", ""), List.of("a2", "", "", "d2"), List.of("", "b3")));
        assertEquals(rows(List.of("", "a2"), List.of("b1", "", "b3"), List.of(), List.of("", "d2")), readByColumns("'Sheet1'"));
        assertEquals(rows(List.of("b1", "", "b3")), readByColumns("'Sheet1'!B:B"));
        assertEquals(rows(List.of(), List.of("b1")), readByColumns("'Sheet1'!1:1"));
        assertNull(readByColumns("'Sheet1'!F:F"));

        GoogleJsonResponseException diagonal = assertThrows(GoogleJsonResponseException.class, () -> sheets.spreadsheets()
                .values().batchGet(ID).setRanges(List.of("'Sheet1'")).setMajorDimension("DIAGONALS").execute());
        assertEquals(400, diagonal.getStatusCode());
    }

    private List<List<Object>> readByColumns(String range) throws Exception {
        return sheets.spreadsheets().values().batchGet(ID).setRanges(List.of(range)).setMajorDimension("COLUMNS").execute()
                .getValueRanges().get(0).getValues();
    }

    @Test
    void quotedTabNames() throws Exception {
        addTabs("My tab", "Bob's");
        write("'My tab'!B2:B2", rows(List.of("hello")));
        write("'Bob''s'!A1:B1", rows(List.of("x", "y")));

        assertEquals(rows(List.of(), List.of("", "hello")), read("'My tab'!A:B"));
        assertEquals(rows(List.of("x", "y")), read("'Bob''s'"));
        assertEquals(rows(List.of(), List.of("", "hello")), emulator.grid(ID, "My tab"));
        assertEquals(rows(List.of("x", "y")), emulator.grid(ID, "Bob's"));
    }

    @Test
    void unknownSpreadsheetIs404AndDeniedAccessIs403() throws Exception {
        GoogleJsonResponseException missing = assertThrows(GoogleJsonResponseException.class,
                () -> sheets.spreadsheets().get("no-such-sheet").execute());
        assertEquals(404, missing.getStatusCode());
        assertEquals("NOT_FOUND", missing.getDetails().get("status"));
        assertEquals("Requested entity was not found.", missing.getDetails().getMessage());

        emulator.denyAccess(ID, true);
        GoogleJsonResponseException denied = assertThrows(GoogleJsonResponseException.class, () -> read("'Sheet1'!A1:A1"));
        assertEquals(403, denied.getStatusCode());
        assertEquals("PERMISSION_DENIED", denied.getDetails().get("status"));

        emulator.denyAccess(ID, false);
        assertNull(read("'Sheet1'!A1:A1"));
    }

    @Test
    void failNextAnswers429WithRetryAfterThenRecovers() throws Exception {
        addTabs("Tickets");
        emulator.resetCounters();
        emulator.failNext(1, 429);

        GoogleJsonResponseException limited = assertThrows(GoogleJsonResponseException.class,
                () -> write("'Tickets'!A1:A1", rows(List.of("a"))));
        assertEquals(429, limited.getStatusCode());
        assertEquals("1", limited.getHeaders().getRetryAfter());
        assertEquals("RESOURCE_EXHAUSTED", limited.getDetails().get("status"));
        assertEquals(List.of(), emulator.grid(ID, "Tickets"));

        write("'Tickets'!A1:A1", rows(List.of("a")));
        assertEquals(rows(List.of("a")), emulator.grid(ID, "Tickets"));
        assertEquals(2, emulator.requests());
        assertEquals(1, emulator.writeRequests());
    }

    @Test
    void failShareIsReproducibleAndClearable() throws Exception {
        emulator.failShare(0.5, 503, 42);
        int failures = 0;
        for (int i = 0; i < 20; i++) {
            try {
                read("'Sheet1'!A1:A1");
            } catch (GoogleJsonResponseException e) {
                assertEquals(503, e.getStatusCode());
                assertEquals("UNAVAILABLE", e.getDetails().get("status"));
                failures++;
            }
        }
        java.util.Random same = new java.util.Random(42);
        int expected = 0;
        for (int i = 0; i < 20; i++) {
            expected += same.nextDouble() < 0.5 ? 1 : 0;
        }
        assertEquals(expected, failures);
        assertTrue(failures > 0 && failures < 20);
        assertEquals(20 - failures, emulator.readRequests());

        emulator.clearFaults();
        for (int i = 0; i < 5; i++) {
            read("'Sheet1'!A1:A1");
        }
    }

    @Test
    void hangingRequestTimesOutTheClientWithoutBlockingOthers() throws Exception {
        addTabs("Tickets");
        emulator.hangNext(Duration.ofSeconds(2));
        Sheets impatient = client(request -> request.setReadTimeout(300));
        assertThrows(SocketTimeoutException.class,
                () -> impatient.spreadsheets().values().batchGet(ID).setRanges(List.of("'Tickets'")).execute());
        // The held request still occupies a server thread; the next ones must not queue behind it: they are answered
        // while it is still held.
        write("'Tickets'!A1:A1", rows(List.of("after")));
        assertEquals(rows(List.of("after")), read("'Tickets'"));
        assertEquals(0, emulator.held(), "answered before the held request: " + emulator.requestLog());
    }

    @Test
    void callsAndRangesTheRelayNeverMakesAreNotEmulated() throws Exception {
        addTabs("Tickets");
        GoogleJsonResponseException get = assertThrows(GoogleJsonResponseException.class,
                () -> sheets.spreadsheets().values().get(ID, "'Tickets'!A1:A1").execute());
        assertEquals(501, get.getStatusCode());
        GoogleJsonResponseException append = assertThrows(GoogleJsonResponseException.class,
                () -> sheets.spreadsheets().values().append(ID, "'Tickets'!A:B", new ValueRange().setValues(rows(List.of("x"))))
                        .setValueInputOption("RAW").execute());
        assertEquals(501, append.getStatusCode());
        GoogleJsonResponseException unquoted = assertThrows(GoogleJsonResponseException.class, () -> read("Tickets!A1:A1"));
        assertEquals(400, unquoted.getStatusCode());
        GoogleJsonResponseException noOption = assertThrows(GoogleJsonResponseException.class,
                () -> sheets.spreadsheets().values().batchUpdate(ID, new BatchUpdateValuesRequest().setData(
                        List.of(new ValueRange().setRange("'Tickets'!A1:A1").setValues(rows(List.of("x")))))).execute());
        assertEquals(400, noOption.getStatusCode());
        assertEquals(List.of(), emulator.grid(ID, "Tickets"));
    }

    @Test
    void countersCountAsSpecified() throws Exception {
        addTabs("Tickets");                                          // neither a read nor a write
        write("'Tickets'!A1:A1", rows(List.of("a")));                // write
        read("'Tickets'!A1:A1");                                     // read
        sheets.spreadsheets().get(ID).execute();                     // neither
        emulator.failNext(1, 503);
        assertThrows(GoogleJsonResponseException.class, () -> write("'Tickets'!A2:A2", rows(List.of("b")))); // faulted
        assertThrows(GoogleJsonResponseException.class, () -> sheets.spreadsheets().get("missing").execute());
        assertThrows(GoogleJsonResponseException.class, () -> read("'Missing'!A1:A1")); // 400: not a read

        assertEquals(1, emulator.writeRequests());
        assertEquals(1, emulator.readRequests());
        assertEquals(7, emulator.requests());

        emulator.resetCounters();
        assertEquals(0, emulator.writeRequests());
        assertEquals(0, emulator.readRequests());
        assertEquals(0, emulator.requests());
    }

    @Test
    void concurrentWritesAllLand() throws Exception {
        addTabs("Tickets");
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                int row = i + 1;
                futures.add(pool.submit(() -> write("'Tickets'!A" + row + ":B" + row, rows(List.of("T-" + row, "n" + row)))));
            }
            for (Future<?> future : futures) {
                future.get();
            }
        } finally {
            pool.shutdownNow();
        }
        List<List<String>> grid = emulator.grid(ID, "Tickets");
        assertEquals(40, grid.size());
        for (int i = 0; i < 40; i++) {
            assertEquals(List.of("T-" + (i + 1), "n" + (i + 1)), grid.get(i));
        }
        assertEquals(40, emulator.writeRequests());
    }

    @Test
    void gridAndSetGridFromTheTestSide() {
        emulator.setGrid(ID, "Edited", rows(List.of("x", "", ""), List.of(), List.of("", "y"), List.of("", "")));
        assertEquals(List.of("Sheet1", "Edited"), emulator.tabs(ID));
        assertEquals(rows(List.of("x"), List.of(), List.of("", "y")), emulator.grid(ID, "Edited"));
        assertThrows(IllegalArgumentException.class, () -> emulator.grid(ID, "Absent"));
    }

    @Test
    void rangeParsing() {
        SheetsEmulator.Range cells = SheetsEmulator.Range.parse("'It''s'!B7:C7");
        assertEquals("It's", cells.tab);
        assertEquals(6, cells.firstRow);
        assertEquals(1, cells.firstColumn);
        assertEquals(6, cells.lastRow);
        assertEquals(2, cells.lastColumn);
        SheetsEmulator.Range column = SheetsEmulator.Range.parse("'Tickets'!ZZ:ZZ");
        assertEquals(701, column.firstColumn);
        assertEquals(SheetsEmulator.Range.OPEN, column.lastRow);
        SheetsEmulator.Range row = SheetsEmulator.Range.parse("'Tickets'!3:3");
        assertEquals(2, row.firstRow);
        assertEquals(SheetsEmulator.Range.OPEN, row.lastColumn);
        assertEquals(SheetsEmulator.Range.OPEN, SheetsEmulator.Range.parse("'Tickets'").lastRow);
        assertThrows(IllegalArgumentException.class, () -> SheetsEmulator.Range.parse("'Tickets'!A0:A1"));
        assertThrows(IllegalArgumentException.class, () -> SheetsEmulator.Range.parse("'Tickets'!C3:A1"));
        assertThrows(IllegalArgumentException.class, () -> SheetsEmulator.Range.parse("'open"));
        assertThrows(IllegalArgumentException.class, () -> SheetsEmulator.Range.parse("'Tickets'!AAAA1:AAAA1"));
    }
}
