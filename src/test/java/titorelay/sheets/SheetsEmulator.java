package titorelay.sheets;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.math.BigDecimal;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
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
 * An in-memory stand-in for the Google Sheets API v4 REST endpoints the relay uses, on loopback, so tests can run
 * the real Google client (and camel-google-sheets) against something they can inspect and break on purpose.
 *
 * <p>It follows Google's observable behaviour where the relay could depend on it: trailing empty rows and cells are
 * trimmed on reads, a JSON null cell leaves the stored cell alone while "" clears it, a batch is applied entirely or
 * not at all (a single cell over 50,000 characters fails the whole request with 400, as with Google), errors come in
 * Google's JSON error format, and a tab name is unique regardless of case. It ignores
 * authentication, formulas (every value is stored as the text it was given) and field masks.
 */
public final class SheetsEmulator implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String PREFIX = "/v4/spreadsheets/";
    /** What Google gives a new tab. */
    private static final int DEFAULT_ROWS = 1000;
    private static final int DEFAULT_COLUMNS = 26;
    private static final int THREADS = 16;
    /** Google's limit for one cell; a longer value fails the whole request with 400. */
    public static final int MAX_CELL_CHARACTERS = 50_000;

    private final HttpServer server;
    private final ExecutorService executor;

    // Guarded by this: the spreadsheets, access and the fault plan.
    private final Map<String, Book> books = new LinkedHashMap<>();
    private final Set<String> denied = new HashSet<>();
    private final List<String> log = new ArrayList<>();
    private int failNextCount;
    private int failNextStatus;
    private double failShare;
    private int failShareStatus;
    private Random failRandom;
    private Duration hangNext;
    private String refusedText;

    private final AtomicInteger writeRequests = new AtomicInteger();
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
        book.add("Sheet1", 0, DEFAULT_ROWS, DEFAULT_COLUMNS, -1);
        books.put(spreadsheetId, book);
    }

    /** The tab's cells as Google would return them for the whole tab: no trailing empty rows or cells. */
    public synchronized List<List<String>> grid(String spreadsheetId, String tab) {
        Tab found = book(spreadsheetId).tab(tab);
        if (found == null) {
            throw new IllegalArgumentException("Spreadsheet " + spreadsheetId + " has no tab \"" + tab + "\"");
        }
        return trim(found.block(0, 0, Integer.MAX_VALUE, Integer.MAX_VALUE));
    }

    public synchronized List<String> tabs(String spreadsheetId) {
        return book(spreadsheetId).tabs.stream().map(tab -> tab.title).toList();
    }

    /** Replaces a tab's content, as a person editing or re-sorting the sheet would; creates the tab if needed. */
    public synchronized void setGrid(String spreadsheetId, String tab, List<List<String>> cells) {
        Book book = book(spreadsheetId);
        Tab target = book.tab(tab);
        if (target == null) {
            target = book.add(tab, book.nextSheetId(), DEFAULT_ROWS, DEFAULT_COLUMNS, -1);
        }
        target.rows.clear();
        for (int r = 0; r < cells.size(); r++) {
            List<String> row = cells.get(r);
            for (int c = 0; row != null && c < row.size(); c++) {
                target.set(r, c, row.get(c) == null ? "" : row.get(c));
            }
        }
    }

    /** Requests that changed values (values batchUpdate, update, append, clear, batchClear) and got a 2xx. */
    public int writeRequests() {
        return writeRequests.get();
    }

    /** Value reads (values get, batchGet) that got a 2xx. */
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
        log.clear();
    }

    /**
     * One line per request received, in arrival order: method, decoded path, status, and "gzip" when the body came
     * compressed; for diagnosing a failing test.
     */
    public synchronized List<String> requestLog() {
        return List.copyOf(log);
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
            if (reply.status() / 100 == 2) {
                if (reply.kind() == Kind.WRITE) {
                    writeRequests.incrementAndGet();
                } else if (reply.kind() == Kind.READ) {
                    readRequests.incrementAndGet();
                }
            }
            synchronized (this) {
                log.add(method + " " + decodePath(rawPath) + " " + reply.status() + (gzip ? " gzip" : ""));
            }
            send(exchange, reply);
        } catch (IOException e) {
            // The client went away (typically its read time-out fired during hangNext): nobody to answer.
        } finally {
            exchange.close();
        }
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
            Map<String, List<String>> query = parseQuery(rawQuery);
            String rest = rawPath.substring(PREFIX.length());
            int slash = rest.indexOf('/');
            String idPart = slash < 0 ? rest : rest.substring(0, slash);
            // Everything after "values/" is the range, even if the client left a '/' of a tab name unescaped.
            String tail = slash < 0 ? null : rest.substring(slash + 1);

            String verb = null;
            int colon = idPart.indexOf(':');
            if (colon >= 0) {
                verb = idPart.substring(colon + 1);
                idPart = idPart.substring(0, colon);
            }
            String id = decodePath(idPart);

            if (tail == null) {
                if (verb == null && method.equals("GET")) {
                    return new Reply(200, withBook(id, this::spreadsheet), Kind.OTHER);
                }
                if ("batchUpdate".equals(verb) && method.equals("POST")) {
                    JsonNode request = parse(body);
                    return new Reply(200, withBook(id, book -> batchUpdate(book, request)), Kind.OTHER);
                }
            } else if (verb == null && tail.startsWith("values:")) {
                String valuesVerb = tail.substring("values:".length());
                if (valuesVerb.equals("batchGet") && method.equals("GET")) {
                    return new Reply(200, withBook(id, book -> batchGet(book, query)), Kind.READ);
                }
                if (valuesVerb.equals("batchUpdate") && method.equals("POST")) {
                    JsonNode request = parse(body);
                    return new Reply(200, withBook(id, book -> batchUpdateValues(book, request)), Kind.WRITE);
                }
                if (valuesVerb.equals("batchClear") && method.equals("POST")) {
                    JsonNode request = parse(body);
                    return new Reply(200, withBook(id, book -> batchClear(book, request)), Kind.WRITE);
                }
            } else if (verb == null && tail.startsWith("values/")) {
                String rawRange = tail.substring("values/".length());
                if (rawRange.endsWith(":append") && method.equals("POST")) {
                    String range = decodePath(rawRange.substring(0, rawRange.length() - ":append".length()));
                    JsonNode request = parse(body);
                    return new Reply(200, withBook(id, book -> append(book, range, request, query)), Kind.WRITE);
                }
                if (rawRange.endsWith(":clear") && method.equals("POST")) {
                    String range = decodePath(rawRange.substring(0, rawRange.length() - ":clear".length()));
                    return new Reply(200, withBook(id, book -> clear(book, range)), Kind.WRITE);
                }
                String range = decodePath(rawRange);
                if (method.equals("GET")) {
                    String dimension = first(query, "majorDimension", "ROWS");
                    return new Reply(200, withBook(id, book -> read(book, range, dimension)), Kind.READ);
                }
                if (method.equals("PUT")) {
                    JsonNode request = parse(body);
                    return new Reply(200, withBook(id, book -> update(book, range, request, query)), Kind.WRITE);
                }
            }
            throw new ApiError(404, "Requested entity was not found.");
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
        grid.put("rowCount", tab.rowCount);
        grid.put("columnCount", tab.columnCount);
        return properties;
    }

    private JsonNode batchUpdate(Book book, JsonNode request) {
        JsonNode requests = request.path("requests");
        if (!requests.isArray() || requests.isEmpty()) {
            throw new ApiError(400, "Invalid requests: Must specify at least one request.");
        }
        // Google applies all requests or none, so check them all before changing anything.
        Set<String> titles = new HashSet<>();
        book.tabs.forEach(tab -> titles.add(tab.title.toLowerCase(Locale.ROOT)));
        Set<Integer> ids = new HashSet<>();
        book.tabs.forEach(tab -> ids.add(tab.sheetId));
        List<JsonNode> additions = new ArrayList<>();
        for (int i = 0; i < requests.size(); i++) {
            JsonNode addSheet = requests.get(i).get("addSheet");
            if (addSheet == null) {
                String kind = requests.get(i).fieldNames().hasNext() ? requests.get(i).fieldNames().next() : "(empty)";
                throw new ApiError(400, "Invalid requests[" + i + "]: the emulator does not support " + kind + ".");
            }
            JsonNode properties = addSheet.path("properties");
            String title = properties.path("title").asText("");
            if (title.isEmpty()) {
                title = book.defaultTitle(titles);
            }
            if (!titles.add(title.toLowerCase(Locale.ROOT))) {
                throw new ApiError(400, "Invalid requests[" + i + "].addSheet: A sheet with the name \"" + title
                                        + "\" already exists. Please enter another name.");
            }
            if (properties.has("sheetId") && !ids.add(properties.get("sheetId").asInt())) {
                throw new ApiError(400, "Invalid requests[" + i + "].addSheet: Sheet with id "
                                        + properties.get("sheetId").asInt() + " already exists.");
            }
            ObjectNode resolved = properties.deepCopy();
            resolved.put("title", title);
            additions.add(resolved);
        }
        ObjectNode root = JSON.createObjectNode();
        root.put("spreadsheetId", book.id);
        ArrayNode replies = root.putArray("replies");
        for (JsonNode properties : additions) {
            int sheetId = properties.has("sheetId") ? properties.get("sheetId").asInt() : book.nextSheetId();
            JsonNode grid = properties.path("gridProperties");
            Tab tab = book.add(properties.get("title").asText(), sheetId,
                    grid.path("rowCount").asInt(DEFAULT_ROWS), grid.path("columnCount").asInt(DEFAULT_COLUMNS),
                    properties.path("index").asInt(-1));
            replies.addObject().putObject("addSheet").set("properties", properties(book, tab));
        }
        return root;
    }

    private JsonNode read(Book book, String range, String majorDimension) {
        Target target = book.resolve(range);
        Tab tab = target.tab;
        // Google answers with the range clipped to the tab's grid.
        int lastRow = Math.max(target.range.firstRow, Math.min(target.range.lastRow, tab.rowCount - 1));
        int lastColumn = Math.max(target.range.firstColumn, Math.min(target.range.lastColumn, tab.columnCount - 1));
        List<List<String>> cells = tab.block(target.range.firstRow, target.range.firstColumn, lastRow, lastColumn);
        if ("COLUMNS".equals(majorDimension)) {
            cells = transpose(cells);
        }
        cells = trim(cells);

        ObjectNode valueRange = JSON.createObjectNode();
        valueRange.put("range", A1.format(tab.title, target.range.firstRow, target.range.firstColumn, lastRow, lastColumn));
        valueRange.put("majorDimension", "COLUMNS".equals(majorDimension) ? "COLUMNS" : "ROWS");
        if (!cells.isEmpty()) {
            ArrayNode values = valueRange.putArray("values");
            for (List<String> row : cells) {
                ArrayNode out = values.addArray();
                row.forEach(out::add);
            }
        }
        return valueRange;
    }

    private JsonNode batchGet(Book book, Map<String, List<String>> query) {
        List<String> ranges = query.getOrDefault("ranges", List.of());
        String dimension = first(query, "majorDimension", "ROWS");
        // Resolve every range first: one bad range fails the whole call, as with Google.
        ranges.forEach(book::resolve);
        ObjectNode root = JSON.createObjectNode();
        root.put("spreadsheetId", book.id);
        ArrayNode valueRanges = root.putArray("valueRanges");
        for (String range : ranges) {
            valueRanges.add(read(book, range, dimension));
        }
        return root;
    }

    /** One range to write, checked, with its values as rows. */
    private record Write(Target target, List<List<JsonNode>> rows) {
    }

    private JsonNode batchUpdateValues(Book book, JsonNode request) {
        requireValueInputOption(request.path("valueInputOption").asText(null));
        JsonNode data = request.path("data");
        if (refusedText != null && data.toString().contains(refusedText)) {
            throw new ApiError(400, "Invalid value at 'data' (refused by the test)");
        }
        List<Write> writes = new ArrayList<>();
        for (int i = 0; data.isArray() && i < data.size(); i++) {
            writes.add(prepare(book, data.get(i).path("range").asText(""), data.get(i), "data[" + i + "].", false));
        }
        ObjectNode root = JSON.createObjectNode();
        root.put("spreadsheetId", book.id);
        ArrayNode responses = JSON.createArrayNode();
        int rows = 0;
        int columns = 0;
        int cells = 0;
        Set<Tab> sheets = new HashSet<>();
        for (Write write : writes) {
            ObjectNode response = apply(book, write, write.target.range.firstRow);
            responses.add(response);
            rows += response.get("updatedRows").asInt();
            columns += response.get("updatedColumns").asInt();
            cells += response.get("updatedCells").asInt();
            if (response.get("updatedCells").asInt() > 0) {
                sheets.add(write.target.tab);
            }
        }
        root.put("totalUpdatedRows", rows);
        root.put("totalUpdatedColumns", columns);
        root.put("totalUpdatedCells", cells);
        root.put("totalUpdatedSheets", sheets.size());
        root.set("responses", responses);
        return root;
    }

    private JsonNode update(Book book, String range, JsonNode request, Map<String, List<String>> query) {
        requireValueInputOption(first(query, "valueInputOption", null));
        Write write = prepare(book, range, request, "", false);
        return apply(book, write, write.target.range.firstRow);
    }

    private JsonNode append(Book book, String range, JsonNode request, Map<String, List<String>> query) {
        requireValueInputOption(first(query, "valueInputOption", null));
        Write write = prepare(book, range, request, "", true);
        Tab tab = write.target.tab;
        int lastUsed = tab.lastNonEmptyRow();
        int startRow = Math.max(write.target.range.firstRow, lastUsed + 1);
        ObjectNode root = JSON.createObjectNode();
        root.put("spreadsheetId", book.id);
        if (lastUsed >= 0) {
            root.put("tableRange", A1.format(tab.title, 0, 0, lastUsed, Math.max(0, tab.width() - 1)));
        }
        root.set("updates", apply(book, write, startRow));
        return root;
    }

    private JsonNode clear(Book book, String range) {
        Target target = book.resolve(range);
        ObjectNode root = JSON.createObjectNode();
        root.put("spreadsheetId", book.id);
        root.put("clearedRange", clearCells(target));
        return root;
    }

    private JsonNode batchClear(Book book, JsonNode request) {
        List<Target> targets = new ArrayList<>();
        for (JsonNode range : request.path("ranges")) {
            targets.add(book.resolve(range.asText("")));
        }
        ObjectNode root = JSON.createObjectNode();
        root.put("spreadsheetId", book.id);
        ArrayNode cleared = root.putArray("clearedRanges");
        targets.forEach(target -> cleared.add(clearCells(target)));
        return root;
    }

    private static String clearCells(Target target) {
        Tab tab = target.tab;
        A1 range = target.range;
        for (int r = range.firstRow; r <= range.lastRow && r < tab.rows.size(); r++) {
            List<String> row = tab.rows.get(r);
            for (int c = range.firstColumn; c <= range.lastColumn && c < row.size(); c++) {
                row.set(c, "");
            }
        }
        int lastRow = Math.max(range.firstRow, Math.min(range.lastRow, tab.rowCount - 1));
        int lastColumn = Math.max(range.firstColumn, Math.min(range.lastColumn, tab.columnCount - 1));
        return A1.format(tab.title, range.firstRow, range.firstColumn, lastRow, lastColumn);
    }

    private static void requireValueInputOption(String option) {
        if (option == null || option.isEmpty()) {
            throw new ApiError(400, "'valueInputOption' is required but not specified");
        }
        if (!option.equals("RAW") && !option.equals("USER_ENTERED")) {
            throw new ApiError(400, "Invalid value at 'value_input_option' (" + option + ")");
        }
    }

    /**
     * Checks one ValueRange before anything is written, so a batch with a bad range changes nothing. Like Google,
     * values that do not fit a bounded range are an error, not silently cut.
     */
    private static Write prepare(Book book, String range, JsonNode valueRange, String where, boolean append) {
        Target target = book.resolve(range);
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
        if ("COLUMNS".equals(valueRange.path("majorDimension").asText("ROWS"))) {
            rows = transpose(rows);
        }
        A1 bounds = target.range;
        if (!append && bounds.firstRow + rows.size() - 1 > bounds.lastRow) {
            throw new ApiError(400, "Requested writing within range [" + range + "], but tried writing to row ["
                                    + (bounds.firstRow + rows.size()) + "]");
        }
        int width = rows.stream().mapToInt(List::size).max().orElse(0);
        if (bounds.firstColumn + width - 1 > bounds.lastColumn) {
            throw new ApiError(400, "Requested writing within range [" + range + "], but tried writing to column ["
                                    + A1.columnName(bounds.firstColumn + width - 1) + "]");
        }
        return new Write(target, rows);
    }

    private static ObjectNode apply(Book book, Write write, int firstRow) {
        Tab tab = write.target.tab;
        int firstColumn = write.target.range.firstColumn;
        Set<Integer> rows = new LinkedHashSet<>();
        Set<Integer> columns = new LinkedHashSet<>();
        int cells = 0;
        int width = 0;
        for (int r = 0; r < write.rows.size(); r++) {
            List<JsonNode> row = write.rows.get(r);
            width = Math.max(width, row.size());
            for (int c = 0; c < row.size(); c++) {
                JsonNode cell = row.get(c);
                if (cell == null || cell.isNull()) {
                    continue; // null means "leave this cell as it is"
                }
                tab.set(firstRow + r, firstColumn + c, text(cell));
                rows.add(r);
                columns.add(c);
                cells++;
            }
        }
        ObjectNode response = JSON.createObjectNode();
        response.put("spreadsheetId", book.id);
        int height = Math.max(1, write.rows.size());
        response.put("updatedRange",
                A1.format(tab.title, firstRow, firstColumn, firstRow + height - 1, firstColumn + Math.max(1, width) - 1));
        response.put("updatedRows", rows.size());
        response.put("updatedColumns", columns.size());
        response.put("updatedCells", cells);
        return response;
    }

    /** How Google shows a RAW value when read back as FORMATTED_VALUE. */
    private static String text(JsonNode cell) {
        if (cell.isBoolean()) {
            return cell.booleanValue() ? "TRUE" : "FALSE";
        }
        if (cell.isNumber()) {
            return new BigDecimal(cell.asText()).stripTrailingZeros().toPlainString();
        }
        return cell.asText();
    }

    private static <T> List<List<T>> transpose(List<List<T>> rows) {
        int width = rows.stream().mapToInt(List::size).max().orElse(0);
        List<List<T>> columns = new ArrayList<>();
        for (int c = 0; c < width; c++) {
            List<T> column = new ArrayList<>();
            for (List<T> row : rows) {
                column.add(c < row.size() ? row.get(c) : null);
            }
            columns.add(column);
        }
        return columns;
    }

    /** Google's shape for read values: no trailing empty cells in a row, no trailing empty rows. */
    private static List<List<String>> trim(List<List<String>> cells) {
        List<List<String>> trimmed = new ArrayList<>();
        for (List<String> row : cells) {
            int end = row.size();
            while (end > 0 && (row.get(end - 1) == null || row.get(end - 1).isEmpty())) {
                end--;
            }
            List<String> copy = new ArrayList<>(end);
            for (int c = 0; c < end; c++) {
                copy.add(row.get(c) == null ? "" : row.get(c));
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

    private record Target(Tab tab, A1 range) {
    }

    private static final class Book {
        final String id;
        final List<Tab> tabs = new ArrayList<>();
        private int lastSheetId;

        Book(String id) {
            this.id = id;
        }

        /** Exact title match: looser matching could hide a relay bug that Google would not forgive either. */
        Tab tab(String title) {
            for (Tab tab : tabs) {
                if (tab.title.equals(title)) {
                    return tab;
                }
            }
            return null;
        }

        Tab add(String title, int sheetId, int rowCount, int columnCount, int index) {
            Tab tab = new Tab(sheetId, title, rowCount, columnCount);
            lastSheetId = Math.max(lastSheetId, sheetId);
            if (index >= 0 && index <= tabs.size()) {
                tabs.add(index, tab);
            } else {
                tabs.add(tab);
            }
            return tab;
        }

        int nextSheetId() {
            return lastSheetId + 1;
        }

        String defaultTitle(Set<String> takenLowerCase) {
            for (int n = tabs.size() + 1; ; n++) {
                if (!takenLowerCase.contains(("Sheet" + n).toLowerCase(Locale.ROOT))) {
                    return "Sheet" + n;
                }
            }
        }

        /** A range's tab and cells; a range Google could not parse, or naming no existing tab, is a 400. */
        Target resolve(String range) {
            A1 a1;
            try {
                a1 = A1.parse(range);
            } catch (IllegalArgumentException e) {
                throw new ApiError(400, "Unable to parse range: " + range);
            }
            Tab tab = a1.sheet == null ? (tabs.isEmpty() ? null : tabs.get(0)) : tab(a1.sheet);
            if (tab == null) {
                throw new ApiError(400, "Unable to parse range: " + range);
            }
            return new Target(tab, a1);
        }
    }

    private static final class Tab {
        final int sheetId;
        final String title;
        int rowCount;
        int columnCount;
        /** Ragged rows; "" is an empty cell. */
        final List<List<String>> rows = new ArrayList<>();

        Tab(int sheetId, String title, int rowCount, int columnCount) {
            this.sheetId = sheetId;
            this.title = title;
            this.rowCount = rowCount;
            this.columnCount = columnCount;
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
            // The values API grows the grid rather than refusing a write past its edge.
            rowCount = Math.max(rowCount, row + 1);
            columnCount = Math.max(columnCount, column + 1);
        }

        /** A copy of the stored cells inside the rectangle (inclusive), ragged like the storage. */
        List<List<String>> block(int firstRow, int firstColumn, int lastRow, int lastColumn) {
            List<List<String>> block = new ArrayList<>();
            for (int r = firstRow; r <= lastRow && r < rows.size(); r++) {
                List<String> row = rows.get(r);
                List<String> copy = new ArrayList<>();
                for (int c = firstColumn; c <= lastColumn && c < row.size(); c++) {
                    copy.add(row.get(c));
                }
                block.add(copy);
            }
            return block;
        }

        int lastNonEmptyRow() {
            for (int r = rows.size() - 1; r >= 0; r--) {
                if (rows.get(r).stream().anyMatch(cell -> !cell.isEmpty())) {
                    return r;
                }
            }
            return -1;
        }

        int width() {
            return rows.stream().mapToInt(List::size).max().orElse(0);
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // A1 notation
    // ---------------------------------------------------------------------------------------------------------

    /**
     * A parsed A1 range. Rows and columns are 0-based and inclusive; an open end ({@code A:A}, {@code A2:ZZ}) is
     * {@link #OPEN}. A range without a sheet name ({@link #sheet} null) means the first tab, as with Google.
     */
    static final class A1 {
        static final int OPEN = Integer.MAX_VALUE;
        private static final Pattern CELL = Pattern.compile("([A-Za-z]{0,3})([0-9]*)");
        private static final Pattern SINGLE_CELL = Pattern.compile("[A-Za-z]{1,3}[0-9]+");
        private static final Pattern RANGE = Pattern.compile("[A-Za-z]{0,3}[0-9]*:[A-Za-z]{0,3}[0-9]*");
        private static final Pattern PLAIN_TITLE = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

        final String sheet;
        final int firstRow;
        final int firstColumn;
        final int lastRow;
        final int lastColumn;

        private A1(String sheet, int firstRow, int firstColumn, int lastRow, int lastColumn) {
            this.sheet = sheet;
            this.firstRow = firstRow;
            this.firstColumn = firstColumn;
            this.lastRow = lastRow;
            this.lastColumn = lastColumn;
        }

        static A1 parse(String text) {
            String s = text == null ? "" : text.trim();
            if (s.isEmpty()) {
                throw new IllegalArgumentException("empty range");
            }
            String sheet;
            String cells;
            if (s.startsWith("'")) {
                StringBuilder name = new StringBuilder();
                int i = 1;
                while (true) {
                    if (i >= s.length()) {
                        throw new IllegalArgumentException("unterminated quote in " + text);
                    }
                    char ch = s.charAt(i);
                    if (ch == '\'') {
                        if (i + 1 < s.length() && s.charAt(i + 1) == '\'') {
                            name.append('\'');
                            i += 2;
                            continue;
                        }
                        break;
                    }
                    name.append(ch);
                    i++;
                }
                sheet = name.toString();
                String rest = s.substring(i + 1);
                if (rest.isEmpty()) {
                    cells = null;
                } else if (rest.startsWith("!")) {
                    cells = rest.substring(1);
                } else {
                    throw new IllegalArgumentException("text after the quoted sheet name in " + text);
                }
            } else {
                int bang = s.lastIndexOf('!');
                if (bang >= 0) {
                    sheet = s.substring(0, bang);
                    cells = s.substring(bang + 1);
                } else if (SINGLE_CELL.matcher(s).matches() || RANGE.matcher(s).matches()) {
                    // Google reads text that looks like cells as cells of the first tab; a tab named like a cell
                    // has to be quoted.
                    sheet = null;
                    cells = s;
                } else {
                    sheet = s;
                    cells = null;
                }
            }
            if (sheet != null && sheet.isEmpty()) {
                throw new IllegalArgumentException("empty sheet name in " + text);
            }
            if (cells == null) {
                return new A1(sheet, 0, 0, OPEN, OPEN);
            }
            if (SINGLE_CELL.matcher(cells).matches()) {
                int[] cell = endpoint(cells, text);
                return new A1(sheet, cell[1], cell[0], cell[1], cell[0]);
            }
            if (!RANGE.matcher(cells).matches()) {
                throw new IllegalArgumentException("not a range: " + text);
            }
            int colon = cells.indexOf(':');
            int[] start = endpoint(cells.substring(0, colon), text);
            int[] end = endpoint(cells.substring(colon + 1), text);
            int firstColumn = start[0] == OPEN ? 0 : start[0];
            int firstRow = start[1] == OPEN ? 0 : start[1];
            int lastColumn = end[0];
            int lastRow = end[1];
            // Google accepts corners in either order (C3:A1) and answers with the normalised range.
            if (lastColumn != OPEN && lastColumn < firstColumn) {
                int swap = firstColumn;
                firstColumn = lastColumn;
                lastColumn = swap;
            }
            if (lastRow != OPEN && lastRow < firstRow) {
                int swap = firstRow;
                firstRow = lastRow;
                lastRow = swap;
            }
            return new A1(sheet, firstRow, firstColumn, lastRow, lastColumn);
        }

        /** {column, row}, 0-based, each {@link #OPEN} when absent. */
        private static int[] endpoint(String cell, String text) {
            Matcher m = CELL.matcher(cell);
            if (cell.isEmpty() || !m.matches()) {
                throw new IllegalArgumentException("bad cell reference in " + text);
            }
            int column = m.group(1).isEmpty() ? OPEN : columnIndex(m.group(1));
            int row = OPEN;
            if (!m.group(2).isEmpty()) {
                int number = Integer.parseInt(m.group(2));
                if (number < 1) {
                    throw new IllegalArgumentException("row 0 in " + text);
                }
                row = number - 1;
            }
            return new int[] {column, row};
        }

        /** A → 0, Z → 25, AA → 26. */
        static int columnIndex(String letters) {
            int index = 0;
            for (char ch : letters.toUpperCase(Locale.ROOT).toCharArray()) {
                index = index * 26 + (ch - 'A' + 1);
            }
            return index - 1;
        }

        /** 0 → A, 25 → Z, 26 → AA. */
        static String columnName(int index) {
            StringBuilder name = new StringBuilder();
            for (int n = index + 1; n > 0; n = (n - 1) / 26) {
                name.insert(0, (char) ('A' + (n - 1) % 26));
            }
            return name.toString();
        }

        /** The sheet name as Google writes it in ranges: quoted unless it is a plain word that is not a cell. */
        static String quote(String title) {
            if (PLAIN_TITLE.matcher(title).matches() && !SINGLE_CELL.matcher(title).matches()) {
                return title;
            }
            return "'" + title.replace("'", "''") + "'";
        }

        static String format(String title, int firstRow, int firstColumn, int lastRow, int lastColumn) {
            String start = columnName(firstColumn) + (firstRow + 1);
            String end = columnName(lastColumn) + (lastRow + 1);
            return quote(title) + "!" + (start.equals(end) ? start : start + ":" + end);
        }
    }
}
