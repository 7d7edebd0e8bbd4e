package titorelay.sheets;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.GZIPInputStream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/**
 * An in-memory stand-in for the four Google Sheets API v4 calls the relay makes (see GoogleSpreadsheet):
 * spreadsheets.get, spreadsheets.batchUpdate with addSheet and appendDimension requests, values.batchGet and
 * values.batchUpdate, on
 * loopback, so tests can run the real Google client (and camel-google-sheets) against something they can inspect and
 * break on purpose (429/5xx answers, held requests, refused cells, denied access, a person's edit between a read and
 * the write after it). Any other call is answered 501, so
 * a relay that starts making one fails its tests instead of meeting an emulation nobody checked.
 *
 * <p>It follows Google's observable behaviour where the relay depends on it: reads come trimmed (its own copy of
 * Google's rule, so that it checks the relay's rather than repeating it), a JSON null cell leaves the stored cell
 * alone while "" clears it, a batch is applied entirely or not at all (a single cell over 50,000 characters fails the
 * whole request with 400, as with Google), errors come in Google's JSON error format, and a tab name is unique
 * regardless of case. Ranges must name their tab in quotes, as the relay always does; the forms accepted are those
 * the relay sends: a whole tab, rows ({@code 'T'!1:1}), columns ({@code 'T'!A:A}) and cell rectangles
 * ({@code 'T'!B2:D2}). Each tab has a grid, 1,000 rows by 26 columns when added, as Google's addSheet makes it, and
 * like Google it refuses (400, "exceeds grid limits") a write to any cell beyond it, until appendDimension grows it.
 * It ignores authentication, formulas (every value is stored as the text it was given) and field masks.
 */
public final class SheetsEmulator implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String PREFIX = "/v4/spreadsheets/";
    private static final int THREADS = 16;
    /** Google's limit for one cell; a longer value fails the whole request with 400. */
    public static final int MAX_CELL_CHARACTERS = 50_000;

    private final HttpServer server;
    private final ExecutorService executor;

    // Guarded by this: the spreadsheets, access and the fault plan.
    private final Map<String, Book> books = new LinkedHashMap<>();
    private final Set<String> denied = new HashSet<>();
    private final List<String> log = new ArrayList<>();
    private final List<Long> writeArrivals = new ArrayList<>();
    private int failNextCount;
    private int failNextStatus;
    private double failShare;
    private int failShareStatus;
    private Random failRandom;
    private Duration hangNext;
    private String refusedText;
    private Runnable afterNextRead;
    private int editsAfterReads;

    private final AtomicInteger writeRequests = new AtomicInteger();
    private int appendDimensions;
    private final AtomicInteger readRequests = new AtomicInteger();
    private final AtomicInteger requests = new AtomicInteger();

    private SheetsEmulator(HttpServer server, ExecutorService executor) {
        this.server = server;
        this.executor = executor;
    }

    public static SheetsEmulator start() {
        // The JDK server writes the status line and the body as separate small packets; with Nagle's algorithm on,
        // the body then waits for the client's delayed ACK, about 40 ms per request. Read once per JVM, when the
        // first JDK HttpServer starts, and it only concerns that server.
        if (System.getProperty("sun.net.httpserver.nodelay") == null) {
            System.setProperty("sun.net.httpserver.nodelay", "true");
        }
        AtomicInteger threadNumber = new AtomicInteger();
        // Daemon threads, so that a test that forgets close() cannot keep the JVM alive; several of them, so that
        // a request held by hangNext() does not hold up the ones behind it.
        ExecutorService executor = Executors.newFixedThreadPool(THREADS, task -> {
            Thread thread = new Thread(task, "sheets-emulator-" + threadNumber.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        });
        try {
            HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
            SheetsEmulator emulator = new SheetsEmulator(server, executor);
            server.createContext("/", emulator::handle);
            server.setExecutor(executor);
            server.start();
            return emulator;
        } catch (IOException e) {
            executor.shutdownNow();
            throw new IllegalStateException("Cannot start the Sheets emulator: " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        server.stop(0);
        // Interrupts requests still sleeping in hangNext(), so closing never waits for them.
        executor.shutdownNow();
    }

    public String rootUrl() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/";
    }

    // ---------------------------------------------------------------------------------------------------------
    // Test-side view and control of the state
    // ---------------------------------------------------------------------------------------------------------

    /** Creates an empty spreadsheet with one tab, "Sheet1", like a new Google spreadsheet; replaces any with that id. */
    public synchronized void createSpreadsheet(String spreadsheetId) {
        Book book = new Book(spreadsheetId);
        book.add("Sheet1");
        books.put(spreadsheetId, book);
    }

    /** The tab's cells as Google would return them for the whole tab: no trailing empty rows or cells. */
    public synchronized List<List<String>> grid(String spreadsheetId, String tab) {
        Tab found = book(spreadsheetId).tab(tab);
        if (found == null) {
            throw new IllegalArgumentException("Spreadsheet " + spreadsheetId + " has no tab \"" + tab + "\"");
        }
        return trim(found.block(Range.whole(tab)));
    }

    public synchronized List<String> tabs(String spreadsheetId) {
        return book(spreadsheetId).tabs.stream().map(tab -> tab.title).toList();
    }

    /** Replaces a tab's content, as a person editing or re-sorting the sheet would; creates the tab if needed. */
    public synchronized void setGrid(String spreadsheetId, String tab, List<List<String>> cells) {
        Book book = book(spreadsheetId);
        Tab target = book.tab(tab);
        if (target == null) {
            target = book.add(tab);
        }
        target.rows.clear();
        for (int r = 0; r < cells.size(); r++) {
            List<String> row = cells.get(r);
            for (int c = 0; row != null && c < row.size(); c++) {
                target.set(r, c, row.get(c) == null ? "" : row.get(c));
            }
        }
        target.gridRows = Math.max(target.gridRows, target.rows.size());
        target.gridColumns = Math.max(target.gridColumns, target.rows.stream().mapToInt(List::size).max().orElse(0));
    }

    /** Deletes a tab, as a person would in Google's sheet. */
    public synchronized void deleteTab(String spreadsheetId, String tab) {
        Book book = book(spreadsheetId);
        if (!book.tabs.remove(book.tab(tab))) {
            throw new IllegalArgumentException("Spreadsheet " + spreadsheetId + " has no tab \"" + tab + "\"");
        }
    }

    /**
     * Sets the size of a tab's grid, as a person deleting (or inserting) rows or columns at its end would; cells beyond
     * it are gone.
     */
    public synchronized void setGridSize(String spreadsheetId, String tab, int rows, int columns) {
        Tab target = book(spreadsheetId).tab(tab);
        target.gridRows = rows;
        target.gridColumns = columns;
        while (target.rows.size() > rows) {
            target.rows.remove(target.rows.size() - 1);
        }
        for (List<String> row : target.rows) {
            while (row.size() > columns) {
                row.remove(row.size() - 1);
            }
        }
    }

    /** How many rows and columns the tab's grid has. */
    public synchronized int[] gridSize(String spreadsheetId, String tab) {
        Tab target = book(spreadsheetId).tab(tab);
        return new int[] {target.gridRows, target.gridColumns};
    }

    /** values.batchUpdate requests that got a 2xx. */
    public int writeRequests() {
        return writeRequests.get();
    }

    /** When each values.batchUpdate request that got a 2xx arrived ({@link System#nanoTime()}), earliest first. */
    public synchronized List<Long> writeArrivals() {
        return writeArrivals.stream().sorted().toList();
    }

    /** values.batchGet requests that got a 2xx. */
    public int readRequests() {
        return readRequests.get();
    }

    /** Every request received, including those answered with a fault. */
    public int requests() {
        return requests.get();
    }

    public synchronized void resetCounters() {
        writeRequests.set(0);
        readRequests.set(0);
        requests.set(0);
        writeArrivals.clear();
        log.clear();
    }

    /**
     * One line per request answered, in the order of the answers: method, decoded path, "held" when
     * {@link #hangNext} held it, status, and "gzip" when the body came compressed.
     */
    public synchronized List<String> requestLog() {
        return List.copyOf(log);
    }

    /** How many requests were answered with this status, faults included: what a fault test shows happened. */
    public long answered(int status) {
        return linesWithWord(String.valueOf(status));
    }

    /** How many requests {@link #hangNext} held. */
    public long held() {
        return linesWithWord("held");
    }

    private synchronized long linesWithWord(String word) {
        return log.stream().filter(line -> List.of(line.split(" ")).contains(word)).count();
    }

    /** The next {@code count} requests are answered with {@code status} and not processed. */
    public synchronized void failNext(int count, int status) {
        failNextCount = count;
        failNextStatus = status;
    }

    /** From now on each request fails with {@code status} with probability {@code share}, reproducibly by seed. */
    public synchronized void failShare(double share, int status, long seed) {
        failShare = share;
        failShareStatus = status;
        failRandom = new Random(seed);
    }

    /** The next request is held for {@code duration} before being processed normally (its change does happen). */
    public synchronized void hangNext(Duration duration) {
        hangNext = duration;
    }

    /**
     * Runs {@code edit} (a person's, e.g. {@link #setGrid} re-sorting a tab) once, right after the next values read
     * is done and before its answer goes out: whatever the client writes after that read meets the edited sheet.
     */
    public synchronized void afterNextRead(Runnable edit) {
        afterNextRead = edit;
    }

    /** How many edits {@link #afterNextRead} made. */
    public synchronized int editsAfterReads() {
        return editsAfterReads;
    }

    /**
     * While set, a values write with a cell containing this text is refused with 400 as a whole, as Google refuses a
     * value it cannot take; null stops it.
     */
    public synchronized void refuseCellsContaining(String text) {
        refusedText = text;
    }

    public synchronized void clearFaults() {
        failNextCount = 0;
        failShare = 0;
        failRandom = null;
        hangNext = null;
    }

    /** While denied, every request for this spreadsheet is answered 403, as for an account it is not shared with. */
    public synchronized void denyAccess(String spreadsheetId, boolean deny) {
        if (deny) {
            denied.add(spreadsheetId);
        } else {
            denied.remove(spreadsheetId);
        }
    }

    private Book book(String spreadsheetId) {
        Book book = books.get(spreadsheetId);
        if (book == null) {
            throw new IllegalArgumentException("No spreadsheet " + spreadsheetId);
        }
        return book;
    }

    // ---------------------------------------------------------------------------------------------------------
    // HTTP
    // ---------------------------------------------------------------------------------------------------------

    private enum Kind { READ, WRITE, OTHER }

    private record Reply(int status, JsonNode body, Kind kind) {
    }

    /** An answer other than 2xx, thrown from anywhere in the request's processing. */
    private static final class ApiError extends RuntimeException {
        final int status;

        ApiError(int status, String message) {
            super(message);
            this.status = status;
        }
    }

    private record Fault(Duration hang, int status) {
    }

    private void handle(HttpExchange exchange) {
        try {
            long arrived = System.nanoTime();
            requests.incrementAndGet();
            String method = exchange.getRequestMethod();
            String rawPath = exchange.getRequestURI().getRawPath();
            boolean gzip = "gzip".equalsIgnoreCase(exchange.getRequestHeaders().getFirst("Content-Encoding"));
            byte[] body = readBody(exchange.getRequestBody(), gzip);

            Fault fault = rawPath.startsWith("/v4/") ? nextFault() : new Fault(null, 0);
            if (fault.hang() != null) {
                try {
                    Thread.sleep(fault.hang().toMillis());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return; // the emulator is closing
                }
            }
            Reply reply;
            if (fault.status() != 0) {
                reply = new Reply(fault.status(), error(fault.status(), null), Kind.OTHER);
            } else {
                reply = process(method, rawPath, exchange.getRequestURI().getRawQuery(), body);
            }
            if (reply.status() / 100 == 2 && reply.kind() == Kind.READ) {
                Runnable edit = takeEditAfterRead();
                if (edit != null) {
                    edit.run();
                }
            }
            if (reply.status() / 100 == 2) {
                if (reply.kind() == Kind.WRITE) {
                    writeRequests.incrementAndGet();
                } else if (reply.kind() == Kind.READ) {
                    readRequests.incrementAndGet();
                }
            }
            synchronized (this) {
                if (reply.status() / 100 == 2 && reply.kind() == Kind.WRITE) {
                    writeArrivals.add(arrived);
                }
                log.add(method + " " + decodePath(rawPath) + (fault.hang() != null ? " held " : " ") + reply.status()
                        + (gzip ? " gzip" : ""));
            }
            send(exchange, reply);
        } catch (IOException e) {
            // The client went away (typically its read time-out fired during hangNext): nobody to answer.
        } finally {
            exchange.close();
        }
    }

    private synchronized Runnable takeEditAfterRead() {
        Runnable edit = afterNextRead;
        afterNextRead = null;
        if (edit != null) {
            editsAfterReads++;
        }
        return edit;
    }

    private synchronized Fault nextFault() {
        Duration hang = hangNext;
        hangNext = null;
        int status = 0;
        if (failNextCount > 0) {
            failNextCount--;
            status = failNextStatus;
        } else if (failRandom != null && failRandom.nextDouble() < failShare) {
            status = failShareStatus;
        }
        return new Fault(hang, status);
    }

    private static byte[] readBody(InputStream in, boolean gzip) throws IOException {
        byte[] raw = in.readAllBytes();
        if (!gzip || raw.length == 0) {
            return raw;
        }
        try (InputStream inflated = new GZIPInputStream(new ByteArrayInputStream(raw))) {
            return inflated.readAllBytes();
        }
    }

    private static void send(HttpExchange exchange, Reply reply) throws IOException {
        byte[] bytes = JSON.writeValueAsBytes(reply.body());
        exchange.getResponseHeaders().set("Content-Type", "application/json; charset=UTF-8");
        if (reply.status() == 429) {
            exchange.getResponseHeaders().set("Retry-After", "1");
        }
        exchange.sendResponseHeaders(reply.status(), bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    private Reply process(String method, String rawPath, String rawQuery, byte[] body) {
        try {
            if (!rawPath.startsWith(PREFIX)) {
                throw new ApiError(404, "Requested entity was not found.");
            }
            String rest = rawPath.substring(PREFIX.length());
            int slash = rest.indexOf('/');
            String idPart = slash < 0 ? rest : rest.substring(0, slash);
            String tail = slash < 0 ? null : rest.substring(slash + 1);
            String verb = null;
            int colon = idPart.indexOf(':');
            if (colon >= 0) {
                verb = idPart.substring(colon + 1);
                idPart = idPart.substring(0, colon);
            }
            String id = decodePath(idPart);
            String call = method + " " + (tail == null ? (verb == null ? "" : ":" + verb) : tail);
            switch (call) {
                case "GET " -> {
                    return new Reply(200, withBook(id, this::spreadsheet), Kind.OTHER);
                }
                case "POST :batchUpdate" -> {
                    JsonNode request = parse(body);
                    return new Reply(200, withBook(id, book -> updateSpreadsheet(book, request)), Kind.OTHER);
                }
                case "GET values:batchGet" -> {
                    Map<String, List<String>> query = parseQuery(rawQuery);
                    return new Reply(200, withBook(id, book -> batchGet(book, query)), Kind.READ);
                }
                case "POST values:batchUpdate" -> {
                    JsonNode request = parse(body);
                    return new Reply(200, withBook(id, book -> batchUpdateValues(book, request)), Kind.WRITE);
                }
                default -> throw new ApiError(501, "Not emulated: the relay does not make this call (" + method + " "
                                                   + decodePath(rawPath) + ").");
            }
        } catch (ApiError e) {
            return new Reply(e.status, error(e.status, e.getMessage()), Kind.OTHER);
        } catch (RuntimeException e) {
            return new Reply(500, error(500, "Internal error encountered: " + e), Kind.OTHER);
        }
    }

    /** Looks the spreadsheet up and runs the operation on it, all under the one lock. */
    private synchronized JsonNode withBook(String spreadsheetId, Function<Book, JsonNode> operation) {
        Book book = books.get(spreadsheetId);
        if (book == null) {
            throw new ApiError(404, "Requested entity was not found.");
        }
        if (denied.contains(spreadsheetId)) {
            throw new ApiError(403, "The caller does not have permission");
        }
        return operation.apply(book);
    }

    private static ObjectNode error(int status, String message) {
        String googleStatus = switch (status) {
            case 400 -> "INVALID_ARGUMENT";
            case 401 -> "UNAUTHENTICATED";
            case 403 -> "PERMISSION_DENIED";
            case 404 -> "NOT_FOUND";
            case 409 -> "ABORTED";
            case 429 -> "RESOURCE_EXHAUSTED";
            case 500 -> "INTERNAL";
            case 503 -> "UNAVAILABLE";
            case 504 -> "DEADLINE_EXCEEDED";
            default -> "UNKNOWN";
        };
        if (message == null) {
            message = switch (status) {
                case 400 -> "Request contains an invalid argument.";
                case 401 -> "Request had invalid authentication credentials.";
                case 403 -> "The caller does not have permission";
                case 404 -> "Requested entity was not found.";
                case 429 -> "Quota exceeded for quota metric 'Write requests' and limit 'Write requests per minute per"
                            + " user' of service 'sheets.googleapis.com'.";
                case 500 -> "Internal error encountered.";
                case 503 -> "The service is currently unavailable.";
                case 504 -> "The request timed out.";
                default -> "Emulated failure.";
            };
        }
        ObjectNode root = JSON.createObjectNode();
        ObjectNode error = root.putObject("error");
        error.put("code", status);
        error.put("message", message);
        error.put("status", googleStatus);
        return root;
    }

    private static JsonNode parse(byte[] body) {
        if (body.length == 0) {
            return JSON.createObjectNode();
        }
        try {
            JsonNode node = JSON.readTree(body);
            if (node == null || !node.isObject()) {
                throw new ApiError(400, "Invalid JSON payload received. Expected an object.");
            }
            return node;
        } catch (IOException e) {
            throw new ApiError(400, "Invalid JSON payload received. " + e.getMessage());
        }
    }

    /** Percent-decoding for a path segment: unlike form decoding, '+' stays a plus. */
    private static String decodePath(String raw) {
        return URLDecoder.decode(raw.replace("+", "%2B"), StandardCharsets.UTF_8);
    }

    private static Map<String, List<String>> parseQuery(String rawQuery) {
        Map<String, List<String>> query = new LinkedHashMap<>();
        if (rawQuery == null || rawQuery.isEmpty()) {
            return query;
        }
        for (String pair : rawQuery.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String name = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            String value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            query.computeIfAbsent(name, k -> new ArrayList<>()).add(value);
        }
        return query;
    }

    private static String first(Map<String, List<String>> query, String name, String fallback) {
        List<String> values = query.get(name);
        return values == null || values.isEmpty() ? fallback : values.get(0);
    }

    // ---------------------------------------------------------------------------------------------------------
    // The API operations; all run under the lock (through withBook)
    // ---------------------------------------------------------------------------------------------------------

    private JsonNode spreadsheet(Book book) {
        ObjectNode root = JSON.createObjectNode();
        root.put("spreadsheetId", book.id);
        root.putObject("properties").put("title", book.id);
        ArrayNode sheets = root.putArray("sheets");
        for (Tab tab : book.tabs) {
            sheets.addObject().set("properties", properties(book, tab));
        }
        return root;
    }

    private static ObjectNode properties(Book book, Tab tab) {
        ObjectNode properties = JSON.createObjectNode();
        properties.put("sheetId", tab.sheetId);
        properties.put("title", tab.title);
        properties.put("index", book.tabs.indexOf(tab));
        properties.put("sheetType", "GRID");
        ObjectNode grid = properties.putObject("gridProperties");
        grid.put("rowCount", tab.gridRows);
        grid.put("columnCount", tab.gridColumns);
        return properties;
    }

    /** spreadsheets.batchUpdate, of which the relay uses addSheet and appendDimension. */
    private JsonNode updateSpreadsheet(Book book, JsonNode request) {
        JsonNode requests = request.path("requests");
        if (!requests.isArray() || requests.isEmpty()) {
            throw new ApiError(400, "Invalid requests: Must specify at least one request.");
        }
        // Google applies all requests or none, so check them all before changing anything.
        Set<String> titles = new HashSet<>();
        book.tabs.forEach(tab -> titles.add(tab.title.toLowerCase(Locale.ROOT)));
        List<Runnable> changes = new ArrayList<>();
        ObjectNode root = JSON.createObjectNode();
        root.put("spreadsheetId", book.id);
        ArrayNode replies = root.putArray("replies");
        for (int i = 0; i < requests.size(); i++) {
            JsonNode addSheet = requests.get(i).get("addSheet");
            JsonNode appendDimension = requests.get(i).get("appendDimension");
            if (addSheet != null) {
                String title = addSheet.path("properties").path("title").asText("");
                if (title.isEmpty()) {
                    throw new ApiError(501, "Invalid requests[" + i + "]: not emulated (the relay sends addSheet with a"
                                            + " title).");
                }
                if (!titles.add(title.toLowerCase(Locale.ROOT))) {
                    throw new ApiError(400, "Invalid requests[" + i + "].addSheet: A sheet with the name \"" + title
                                            + "\" already exists. Please enter another name.");
                }
                ObjectNode reply = replies.addObject().putObject("addSheet");
                changes.add(() -> reply.set("properties", properties(book, book.add(title))));
            } else if (appendDimension != null) {
                int sheetId = appendDimension.path("sheetId").asInt(-1);
                Tab tab = book.tabs.stream().filter(t -> t.sheetId == sheetId).findFirst().orElse(null);
                String dimension = appendDimension.path("dimension").asText("");
                int length = appendDimension.path("length").asInt(0);
                if (tab == null) {
                    throw new ApiError(400, "Invalid requests[" + i + "].appendDimension: No grid with id: " + sheetId);
                }
                if (!dimension.equals("ROWS") && !dimension.equals("COLUMNS")) {
                    throw new ApiError(400, "Invalid requests[" + i + "].appendDimension: dimension must be ROWS or"
                                            + " COLUMNS");
                }
                if (length <= 0) {
                    throw new ApiError(400, "Invalid requests[" + i + "].appendDimension: length must be > 0");
                }
                replies.addObject();
                changes.add(() -> {
                    if (dimension.equals("ROWS")) {
                        tab.gridRows += length;
                    } else {
                        tab.gridColumns += length;
                    }
                    appendDimensions++;
                });
            } else {
                throw new ApiError(501, "Invalid requests[" + i + "]: not emulated (the relay sends addSheet and"
                                        + " appendDimension).");
            }
        }
        changes.forEach(Runnable::run);
        return root;
    }

    /** appendDimension requests received (each one of a spreadsheets.batchUpdate). */
    public synchronized int appendDimensions() {
        return appendDimensions;
    }

    private JsonNode batchGet(Book book, Map<String, List<String>> query) {
        String majorDimension = first(query, "majorDimension", "ROWS");
        if (!majorDimension.equals("ROWS") && !majorDimension.equals("COLUMNS")) {
            throw new ApiError(400, "Invalid value at 'major_dimension' (" + majorDimension + ")");
        }
        // Resolve every range first: one bad range fails the whole call, as with Google.
        List<String> ranges = query.getOrDefault("ranges", List.of());
        List<Target> targets = ranges.stream().map(book::resolve).toList();
        ObjectNode root = JSON.createObjectNode();
        root.put("spreadsheetId", book.id);
        ArrayNode valueRanges = root.putArray("valueRanges");
        for (int i = 0; i < targets.size(); i++) {
            Target target = targets.get(i);
            ObjectNode valueRange = valueRanges.addObject();
            valueRange.put("range", ranges.get(i)); // Google answers with its normalised form; the relay ignores it
            valueRange.put("majorDimension", majorDimension);
            List<List<String>> block = target.tab.block(target.range);
            List<List<String>> cells = trim(majorDimension.equals("COLUMNS") ? transposed(block) : block);
            if (!cells.isEmpty()) {
                ArrayNode values = valueRange.putArray("values");
                for (List<String> row : cells) {
                    ArrayNode out = values.addArray();
                    row.forEach(out::add);
                }
            }
        }
        return root;
    }

    /** One range to write, checked, with its values as rows. */
    private record Write(Target target, List<List<JsonNode>> rows) {
    }

    private JsonNode batchUpdateValues(Book book, JsonNode request) {
        String option = request.path("valueInputOption").asText("");
        if (!option.equals("RAW") && !option.equals("USER_ENTERED")) {
            throw new ApiError(400, option.isEmpty() ? "'valueInputOption' is required but not specified"
                    : "Invalid value at 'value_input_option' (" + option + ")");
        }
        JsonNode data = request.path("data");
        if (refusedText != null && data.toString().contains(refusedText)) {
            throw new ApiError(400, "Invalid value at 'data' (refused by the test)");
        }
        List<Write> writes = new ArrayList<>();
        for (int i = 0; data.isArray() && i < data.size(); i++) {
            writes.add(prepare(book, data.get(i), "data[" + i + "]."));
        }
        int cells = 0;
        Set<Tab> sheets = new HashSet<>();
        for (Write write : writes) {
            int written = apply(write);
            cells += written;
            if (written > 0) {
                sheets.add(write.target.tab);
            }
        }
        ObjectNode root = JSON.createObjectNode();
        root.put("spreadsheetId", book.id);
        root.put("totalUpdatedCells", cells);
        root.put("totalUpdatedSheets", sheets.size());
        return root;
    }

    /**
     * Checks one ValueRange before anything is written, so a batch with a bad range changes nothing. Like Google,
     * values that do not fit the range are an error, not silently cut.
     */
    private static Write prepare(Book book, JsonNode valueRange, String where) {
        String range = valueRange.path("range").asText("");
        Target target = book.resolve(range);
        if (!"ROWS".equals(valueRange.path("majorDimension").asText("ROWS"))) {
            throw new ApiError(501, "Not emulated: majorDimension other than ROWS.");
        }
        List<List<JsonNode>> rows = new ArrayList<>();
        JsonNode values = valueRange.path("values");
        if (!values.isMissingNode() && !values.isNull() && !values.isArray()) {
            throw new ApiError(400, "Invalid " + where + "values: expected a list of lists.");
        }
        for (int r = 0; values.isArray() && r < values.size(); r++) {
            JsonNode row = values.get(r);
            if (!row.isArray()) {
                throw new ApiError(400, "Invalid " + where + "values[" + r + "]: expected a list.");
            }
            List<JsonNode> cells = new ArrayList<>();
            for (int c = 0; c < row.size(); c++) {
                JsonNode cell = row.get(c);
                if (cell.isContainerNode()) {
                    throw new ApiError(400, "Invalid " + where + "values[" + r + "][" + c + "]: a cell must be a"
                                            + " string, number, boolean or null.");
                }
                if (cell.isTextual() && cell.textValue().length() > MAX_CELL_CHARACTERS) {
                    throw new ApiError(400, "Your input contains more than the maximum of " + MAX_CELL_CHARACTERS
                                            + " characters in a single cell.");
                }
                cells.add(cell);
            }
            rows.add(cells);
        }
        Range bounds = target.range;
        int width = rows.stream().mapToInt(List::size).max().orElse(0);
        if (rows.size() > bounds.rows() || width > bounds.columns()) {
            throw new ApiError(400, "Requested writing within range [" + range + "], but tried writing "
                                    + rows.size() + " rows of up to " + width + " cells.");
        }
        Tab tab = target.tab;
        if (!rows.isEmpty() && (bounds.firstRow + rows.size() > tab.gridRows || bounds.firstColumn + width > tab.gridColumns)) {
            // Google's words, which the relay recognises.
            throw new ApiError(400, "Range (" + range + ") exceeds grid limits. Max rows: " + tab.gridRows
                                    + ", max columns: " + tab.gridColumns);
        }
        return new Write(target, rows);
    }

    /** Writes the cells; returns how many. */
    private static int apply(Write write) {
        int cells = 0;
        for (int r = 0; r < write.rows.size(); r++) {
            List<JsonNode> row = write.rows.get(r);
            for (int c = 0; c < row.size(); c++) {
                JsonNode cell = row.get(c);
                if (cell == null || cell.isNull()) {
                    continue; // null means "leave this cell as it is"
                }
                write.target.tab.set(write.target.range.firstRow + r, write.target.range.firstColumn + c, cell.asText());
                cells++;
            }
        }
        return cells;
    }

    /** The block's columns, each as a list from its top cell down (a row shorter than the block reads as empty cells). */
    private static List<List<String>> transposed(List<List<String>> block) {
        int width = block.stream().mapToInt(List::size).max().orElse(0);
        List<List<String>> columns = new ArrayList<>();
        for (int c = 0; c < width; c++) {
            List<String> column = new ArrayList<>();
            for (List<String> row : block) {
                column.add(c < row.size() ? row.get(c) : "");
            }
            columns.add(column);
        }
        return columns;
    }

    /**
     * Google's shape for read values (each list of its major dimension), modelled here on its own (not the relay's TrimmedGrid): no trailing empty
     * cells in a row (a column, with majorDimension COLUMNS), no trailing empty rows (columns).
     */
    private static List<List<String>> trim(List<List<String>> cells) {
        List<List<String>> trimmed = new ArrayList<>();
        for (List<String> row : cells) {
            List<String> copy = new ArrayList<>(row);
            while (!copy.isEmpty() && copy.get(copy.size() - 1).isEmpty()) {
                copy.remove(copy.size() - 1);
            }
            trimmed.add(copy);
        }
        while (!trimmed.isEmpty() && trimmed.get(trimmed.size() - 1).isEmpty()) {
            trimmed.remove(trimmed.size() - 1);
        }
        return trimmed;
    }

    // ---------------------------------------------------------------------------------------------------------
    // State
    // ---------------------------------------------------------------------------------------------------------

    private record Target(Tab tab, Range range) {
    }

    private static final class Book {
        final String id;
        final List<Tab> tabs = new ArrayList<>();
        int nextSheetId;

        Book(String id) {
            this.id = id;
        }

        /** Exact title match: looser matching could hide a relay bug that Google would not forgive either. */
        Tab tab(String title) {
            return tabs.stream().filter(tab -> tab.title.equals(title)).findFirst().orElse(null);
        }

        Tab add(String title) {
            Tab tab = new Tab(nextSheetId++, title); // never an id a deleted tab had, as with Google
            tabs.add(tab);
            return tab;
        }

        /** A range's tab and cells; a range that cannot be parsed, or names no existing tab, is a 400. */
        Target resolve(String text) {
            Range range;
            try {
                range = Range.parse(text);
            } catch (IllegalArgumentException e) {
                throw new ApiError(400, "Unable to parse range: " + text);
            }
            Tab tab = tab(range.tab);
            if (tab == null) {
                throw new ApiError(400, "Unable to parse range: " + text);
            }
            return new Target(tab, range);
        }
    }

    private static final class Tab {
        final int sheetId;
        final String title;
        /** The grid's size: a new tab's, as Google's addSheet makes it. */
        int gridRows = 1_000;
        int gridColumns = 26;
        /** Ragged rows; "" is an empty cell. */
        final List<List<String>> rows = new ArrayList<>();

        Tab(int sheetId, String title) {
            this.sheetId = sheetId;
            this.title = title;
        }

        void set(int row, int column, String value) {
            while (rows.size() <= row) {
                rows.add(new ArrayList<>());
            }
            List<String> cells = rows.get(row);
            while (cells.size() <= column) {
                cells.add("");
            }
            cells.set(column, value);
        }

        /** A copy of the stored cells inside the range, ragged like the storage. */
        List<List<String>> block(Range range) {
            List<List<String>> block = new ArrayList<>();
            for (int r = range.firstRow; r <= range.lastRow && r < rows.size(); r++) {
                List<String> row = rows.get(r);
                List<String> copy = new ArrayList<>();
                for (int c = range.firstColumn; c <= range.lastColumn && c < row.size(); c++) {
                    copy.add(row.get(c));
                }
                block.add(copy);
            }
            return block;
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // A1 notation, in the forms the relay sends
    // ---------------------------------------------------------------------------------------------------------

    /**
     * A parsed A1 range: {@code 'Tab'}, {@code 'Tab'!3:3}, {@code 'Tab'!B:B} or {@code 'Tab'!B2:D2}. Rows and columns
     * are 0-based and inclusive; an open end is {@link #OPEN}.
     */
    static final class Range {
        static final int OPEN = Integer.MAX_VALUE;
        private static final Pattern QUOTED = Pattern.compile("'((?:[^']|'')+)'(?:!(.+))?");
        private static final Pattern ROWS = Pattern.compile("([1-9][0-9]*):([1-9][0-9]*)");
        private static final Pattern COLUMNS = Pattern.compile("([A-Z]{1,3}):([A-Z]{1,3})");
        private static final Pattern CELLS = Pattern.compile("([A-Z]{1,3})([1-9][0-9]*):([A-Z]{1,3})([1-9][0-9]*)");

        final String tab;
        final int firstRow;
        final int firstColumn;
        final int lastRow;
        final int lastColumn;

        private Range(String tab, int firstRow, int firstColumn, int lastRow, int lastColumn) {
            if (lastRow < firstRow || lastColumn < firstColumn) {
                throw new IllegalArgumentException("corners in reverse order");
            }
            this.tab = tab;
            this.firstRow = firstRow;
            this.firstColumn = firstColumn;
            this.lastRow = lastRow;
            this.lastColumn = lastColumn;
        }

        static Range whole(String tab) {
            return new Range(tab, 0, 0, OPEN, OPEN);
        }

        static Range parse(String text) {
            Matcher quoted = QUOTED.matcher(text);
            if (!quoted.matches()) {
                throw new IllegalArgumentException("not a quoted tab name: " + text);
            }
            String tab = quoted.group(1).replace("''", "'");
            String cells = quoted.group(2);
            if (cells == null) {
                return whole(tab);
            }
            Matcher m;
            if ((m = ROWS.matcher(cells)).matches()) {
                return new Range(tab, row(m.group(1)), 0, row(m.group(2)), OPEN);
            }
            if ((m = COLUMNS.matcher(cells)).matches()) {
                return new Range(tab, 0, columnIndex(m.group(1)), OPEN, columnIndex(m.group(2)));
            }
            if ((m = CELLS.matcher(cells)).matches()) {
                return new Range(tab, row(m.group(2)), columnIndex(m.group(1)), row(m.group(4)), columnIndex(m.group(3)));
            }
            throw new IllegalArgumentException("not a range the relay sends: " + text);
        }

        int rows() {
            return lastRow == OPEN ? OPEN : lastRow - firstRow + 1;
        }

        int columns() {
            return lastColumn == OPEN ? OPEN : lastColumn - firstColumn + 1;
        }

        private static int row(String number) {
            return Integer.parseInt(number) - 1;
        }

        /** A → 0, Z → 25, AA → 26. */
        static int columnIndex(String letters) {
            int index = 0;
            for (char ch : letters.toCharArray()) {
                index = index * 26 + (ch - 'A' + 1);
            }
            return index - 1;
        }
    }
}
