package titorelay.tito;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/**
 * An in-memory stand-in for the parts of Tito's Admin API v3 the relay uses, on loopback, built from Tito's published
 * example responses: ticket and registration lists of an event (paged, with the states Tito hides unless asked,
 * {@code expand}, the {@code updated_at} filters and sorting), and webhook endpoints (list, create, show, update,
 * delete). It checks the {@code Authorization: Token token=} header (401), answers 404 for an unknown account or
 * event with Tito's JSON error, and serves faults on demand (429 with Retry-After, 500, ...). It counts what it
 * served, by path and status, so that a test can show a fault happened.
 */
public final class TitoApiEmulator implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();
    static final Path EXAMPLES = Path.of(System.getProperty("tito.api.examples", "src/test/resources/tito-api"));
    public static final List<String> TICKET_STATES = List.of("complete", "incomplete", "unassigned", "void");
    public static final List<String> REGISTRATION_STATES =
            List.of("paid", "unpaid", "complete", "confirmed", "incomplete", "cancelled");
    private static final List<String> RELEASES = List.of("Early Bird", "Standard", "Exhibitor", "Speaker");

    /** One event's records, in creation order. */
    public static final class Event {
        final List<ObjectNode> tickets = new ArrayList<>();
        final List<ObjectNode> registrations = new ArrayList<>();
        final Map<String, ArrayNode> answers = new HashMap<>();
        final Map<Integer, ObjectNode> endpoints = new LinkedHashMap<>();

        public int registrationCount() {
            return registrations.size();
        }
    }

    private final HttpServer server;
    private final ExecutorService executor;
    private final String account;
    private final String token;
    // Guarded by this.
    private final Map<String, Event> events = new LinkedHashMap<>();
    private final List<String> log = new ArrayList<>();
    private final List<int[]> faults = new ArrayList<>(); // {count, status, retryAfterSeconds}
    private Predicate<String> holdWhen = request -> false;
    private CountDownLatch holdRelease = new CountDownLatch(0);
    private final AtomicInteger nextId = new AtomicInteger(1000);
    private final Map<String, AtomicInteger> served = new ConcurrentHashMap<>();
    private final AtomicInteger held = new AtomicInteger();
    private boolean tiesDifferOnEachPage;

    private TitoApiEmulator(HttpServer server, ExecutorService executor, String account, String token) {
        this.server = server;
        this.executor = executor;
        this.account = account;
        this.token = token;
    }

    public static TitoApiEmulator start(String account, String token) throws IOException {
        if (System.getProperty("sun.net.httpserver.nodelay") == null) {
            System.setProperty("sun.net.httpserver.nodelay", "true");
        }
        ExecutorService executor = Executors.newFixedThreadPool(8, task -> {
            Thread thread = new Thread(task, "tito-api-emulator");
            thread.setDaemon(true);
            return thread;
        });
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        TitoApiEmulator emulator = new TitoApiEmulator(server, executor, account, token);
        server.createContext("/", emulator::handle);
        server.setExecutor(executor);
        server.start();
        return emulator;
    }

    /** The base URL to give as tito.api-url. */
    public String apiUrl() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/v3";
    }

    @Override
    public void close() {
        releaseHeld();
        server.stop(0);
        executor.shutdownNow();
    }

    // ---------------------------------------------------------------------------------------------------------
    // The data
    // ---------------------------------------------------------------------------------------------------------

    public synchronized Event event(String slug) {
        return events.computeIfAbsent(slug, s -> new Event());
    }

    /**
     * Fills an event with generated records: every fourth ticket starts a registration; registrations take each of
     * the six states in turn (the tickets of a cancelled one are void); tickets take each state in turn, and every
     * fifth is of an archived release. Each ticket has an answer. Updated at {@code updatedAt}.
     */
    public synchronized void generate(String eventSlug, int tickets, Instant updatedAt) {
        generate(eventSlug, tickets, 4, updatedAt);
    }

    /**
     * As {@link #generate(String, int, Instant)}, with every {@code perRegistration}-th ticket starting a
     * registration. A registration and its tickets are created in the same second (as when Tito creates an order's
     * tickets with it), one second after the registration before, the last one second before {@code updatedAt}.
     */
    public synchronized void generate(String eventSlug, int tickets, int perRegistration, Instant updatedAt) {
        Event event = event(eventSlug);
        int orders = (tickets + perRegistration - 1) / perRegistration;
        ObjectNode registration = null;
        String created = null;
        for (int i = 0; i < tickets; i++) {
            if (i % perRegistration == 0) {
                String state = REGISTRATION_STATES.get(event.registrations.size() % REGISTRATION_STATES.size());
                created = iso(updatedAt.minusSeconds(orders - i / perRegistration));
                registration = registration("reg_" + eventSlug + "_" + i, state, "Buyer " + i, "buyer" + i + "@example.org",
                        updatedAt);
                registration.put("created_at", created);
                event.registrations.add(registration);
            }
            String state = "cancelled".equals(registration.get("state").asText()) ? "void"
                    : TICKET_STATES.get(i % TICKET_STATES.size());
            ObjectNode ticket = ticket("ti_" + eventSlug + "_" + i, state, "Person " + i, "person" + i + "@example.org",
                    registration.get("id").asInt(), i % 4 + 1, i % 5 == 4, updatedAt);
            ticket.put("created_at", created);
            event.tickets.add(ticket);
            event.answers.put(ticket.get("slug").asText(), answers("Where do you live?", "IE", "Ireland"));
        }
    }

    /** A ticket as the API shows it: Tito's example ticket with these facts. */
    public synchronized ObjectNode ticket(String slug, String state, String name, String email, int registrationId,
            int releaseId, boolean archived, Instant updatedAt) {
        ObjectNode ticket = (ObjectNode) example("tickets-index.json").get("tickets").get(0).deepCopy();
        int id = nextId.incrementAndGet();
        ticket.put("id", id).put("slug", slug).put("number", id).put("reference", "REF-" + slug)
                .put("state", state).put("void", "void".equals(state)).put("name", name).put("first_name", name)
                .putNull("last_name").put("email", email).put("registration_id", registrationId)
                .put("release_id", releaseId).put("release_archived", archived)
                .put("created_at", iso(updatedAt)).put("updated_at", iso(updatedAt));
        return ticket;
    }

    /** A registration as the API shows it: Tito's example registration with these facts. */
    public synchronized ObjectNode registration(String slug, String state, String name, String email, Instant updatedAt) {
        ObjectNode registration = (ObjectNode) example("registrations-index.json").get("registrations").get(0).deepCopy();
        registration.put("id", nextId.incrementAndGet()).put("slug", slug).put("reference", "R-" + slug)
                .put("state", state).put("cancelled", "cancelled".equals(state)).put("name", name).put("email", email)
                .put("paid", !"unpaid".equals(state)).put("created_at", iso(updatedAt)).put("updated_at", iso(updatedAt));
        if ("cancelled".equals(state)) {
            registration.put("cancelled_at", iso(updatedAt));
        }
        return registration;
    }

    public static ArrayNode answers(String question, String response, String humanized) {
        ArrayNode answers = JSON.createArrayNode();
        ObjectNode answer = answers.addObject();
        answer.putObject("question").put("id", Math.abs(question.hashCode())).put("title", question);
        answer.put("response", response).put("humanized_response", humanized);
        return answers;
    }

    /** Changes a record as an admin would in Tito: its fields, and updated_at to the given time. */
    public synchronized void change(String eventSlug, String slug, Instant updatedAt, Map<String, Object> fields) {
        ObjectNode record = Stream.concat(event(eventSlug).tickets.stream(), event(eventSlug).registrations.stream())
                .filter(r -> r.get("slug").asText().equals(slug)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no record " + slug));
        fields.forEach((field, value) -> record.set(field, JSON.valueToTree(value)));
        record.put("updated_at", iso(updatedAt));
    }

    public synchronized List<ObjectNode> endpoints(String eventSlug) {
        return List.copyOf(event(eventSlug).endpoints.values());
    }

    public synchronized void addEndpoint(String eventSlug, String url, List<String> triggers) {
        ObjectNode endpoint = JSON.createObjectNode();
        int id = nextId.incrementAndGet();
        endpoint.put("_type", "webhook_endpoint").put("id", id).put("url", url).putNull("custom_data")
                .put("deprecated", false);
        triggers.forEach(endpoint.putArray("included_triggers")::add);
        event(eventSlug).endpoints.put(id, endpoint);
    }

    // ---------------------------------------------------------------------------------------------------------
    // Faults and what was served
    // ---------------------------------------------------------------------------------------------------------

    /** The next {@code count} requests are answered {@code status} (429 with Retry-After: retryAfterSeconds). */
    public synchronized void failNext(int count, int status, int retryAfterSeconds) {
        faults.add(new int[] {count, status, retryAfterSeconds});
    }

    /**
     * From now on, records created at the same time come in a different order on odd and even pages of a list, as a
     * database that sorts only by the time asked for may give them (nothing makes Tito's order among them stable): a
     * group of such records split by a page boundary is then partly served twice and partly never.
     */
    public synchronized void orderTiesDifferentlyOnEachPage() {
        tiesDifferOnEachPage = true;
    }

    /** Requests whose "path?decoded query" matches are held (not answered) until {@link #releaseHeld}. */
    public synchronized void holdWhen(Predicate<String> request) {
        holdRelease = new CountDownLatch(1);
        holdWhen = request;
    }

    public synchronized void releaseHeld() {
        holdWhen = request -> false;
        holdRelease.countDown();
    }

    /** How many requests {@link #holdWhen} has held. */
    public int held() {
        return held.get();
    }

    /** How many requests whose path ends with {@code pathEnd} were answered {@code status} (0: any status). */
    public int served(String pathEnd, int status) {
        return served.entrySet().stream()
                .filter(e -> e.getKey().split(" ")[1].endsWith(pathEnd)
                             && (status == 0 || e.getKey().endsWith(" " + status)))
                .mapToInt(e -> e.getValue().get()).sum();
    }

    /** One line per request answered: "METHOD path?decoded-query STATUS records=N at=EPOCH-MILLIS". */
    public synchronized List<String> requestLog() {
        return List.copyOf(log);
    }

    public synchronized void resetCounters() {
        served.clear();
        log.clear();
    }

    // ---------------------------------------------------------------------------------------------------------
    // HTTP
    // ---------------------------------------------------------------------------------------------------------

    private void handle(HttpExchange http) throws IOException {
        String path = http.getRequestURI().getRawPath();
        Map<String, List<String>> query = query(http.getRequestURI().getRawQuery());
        String request = path + "?" + http.getRequestURI().getQuery();
        int status;
        JsonNode body;
        String retryAfter = null;
        try (InputStream in = http.getRequestBody()) {
            byte[] requestBody = in.readAllBytes();
            CountDownLatch hold = null;
            int[] fault = null;
            synchronized (this) {
                if (holdWhen.test(request)) {
                    hold = holdRelease;
                }
                if (!faults.isEmpty()) {
                    fault = faults.get(0);
                    if (--fault[0] == 0) {
                        faults.remove(0);
                    }
                }
            }
            if (hold != null) {
                held.incrementAndGet();
                hold.await(60, TimeUnit.SECONDS);
            }
            if (fault != null) {
                status = fault[1];
                body = error(status, status == 429 ? "Rate limit exceeded" : "Something went wrong");
                retryAfter = status == 429 ? String.valueOf(fault[2]) : null;
            } else if (!("Token token=" + token).equals(http.getRequestHeaders().getFirst("Authorization"))) {
                status = 401;
                body = error(401, "Your API token is invalid or missing");
            } else {
                Object[] answer = answer(http.getRequestMethod(), path, query, requestBody);
                status = (Integer) answer[0];
                body = (JsonNode) answer[1];
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            status = 503;
            body = error(503, "stopping");
        } catch (RuntimeException e) {
            status = 400;
            body = error(400, String.valueOf(e.getMessage()));
        }
        served.computeIfAbsent(http.getRequestMethod() + " " + path + " " + status, k -> new AtomicInteger()).incrementAndGet();
        int records = body == null ? 0 : body.path("tickets").size() + body.path("registrations").size();
        synchronized (this) {
            log.add(http.getRequestMethod() + " " + request + " " + status + " records=" + records + " at="
                    + System.currentTimeMillis());
        }
        byte[] bytes = body == null ? new byte[0] : JSON.writeValueAsBytes(body);
        http.getResponseHeaders().set("Content-Type", "application/json");
        if (retryAfter != null) {
            http.getResponseHeaders().set("Retry-After", retryAfter);
        }
        http.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
        try (OutputStream out = http.getResponseBody()) {
            out.write(bytes);
        }
    }

    private synchronized Object[] answer(String method, String path, Map<String, List<String>> query, byte[] body) {
        String[] parts = path.split("/"); // "", "v3", account, event, collection, id
        if (parts.length == 3 && "hello".equals(parts[2])) {
            return new Object[] {200, JSON.createObjectNode().put("authenticated", true)};
        }
        if (parts.length < 5 || !"v3".equals(parts[1])) {
            return new Object[] {404, error(404, "Not found")};
        }
        Event event = account.equals(parts[2]) ? events.get(parts[3]) : null;
        if (event == null) {
            return new Object[] {404, error(404, "Couldn't find an account or event for the token ending in "
                                                 + token.substring(Math.max(0, token.length() - 4)))};
        }
        String id = parts.length > 5 ? parts[5] : null;
        return switch (parts[4]) {
            case "tickets" -> new Object[] {200, list("tickets", tickets(event, query), query,
                    List.of("void", "archived"), ticket -> expanded(event, registrationsById(event), ticket, query))};
            case "registrations" -> new Object[] {200, list("registrations", registrations(event, query), query,
                    List.of("cancelled"), ObjectNode::deepCopy)};
            case "webhook_endpoints" -> endpoint(event, method, id, body);
            default -> new Object[] {404, error(404, "Not found")};
        };
    }

    private List<ObjectNode> tickets(Event event, Map<String, List<String>> query) {
        List<String> states = query.getOrDefault("search[states][]", List.of("complete", "incomplete", "unassigned"));
        return filtered(event.tickets, query).stream().filter(ticket -> ticket.get("release_archived").asBoolean()
                ? states.contains("archived") : states.contains(ticket.get("state").asText())).toList();
    }

    /** A ticket as shown: with its registration, release and answers if asked ({@code expand}). */
    private static ObjectNode expanded(Event event, Map<Integer, ObjectNode> registrations, ObjectNode ticket,
            Map<String, List<String>> query) {
        Set<String> expand = Set.of(String.join(",", query.getOrDefault("expand", List.of(""))).split(","));
        ObjectNode shown = ticket.deepCopy();
        ObjectNode registration = registrations.get(ticket.get("registration_id").asInt());
        if (expand.contains("registration") && registration != null) {
            shown.set("registration", registration.deepCopy());
        }
        if (expand.contains("release")) {
            String title = RELEASES.get((ticket.get("release_id").asInt() - 1) % RELEASES.size());
            shown.putObject("release").put("id", ticket.get("release_id").asInt()).put("title", title)
                    .put("slug", title.toLowerCase(java.util.Locale.ROOT).replace(' ', '-'));
        }
        if (expand.contains("answers")) {
            shown.set("answers", event.answers.getOrDefault(ticket.get("slug").asText(), JSON.createArrayNode()));
        }
        return shown;
    }

    private static Map<Integer, ObjectNode> registrationsById(Event event) {
        Map<Integer, ObjectNode> byId = new HashMap<>();
        event.registrations.forEach(registration -> byId.put(registration.get("id").asInt(), registration));
        return byId;
    }

    private List<ObjectNode> registrations(Event event, Map<String, List<String>> query) {
        List<String> states = query.getOrDefault("search[states][]",
                REGISTRATION_STATES.stream().filter(s -> !"cancelled".equals(s)).toList());
        return filtered(event.registrations, query).stream().filter(r -> states.contains(r.get("state").asText()))
                .toList();
    }

    /**
     * The updated_at and created_at filters, then the order asked for (default: newest created first, as Tito's lists).
     * Records equal in that order come by id, or, after {@link #orderTiesDifferentlyOnEachPage}, by id up on odd pages
     * and down on even ones.
     */
    private List<ObjectNode> filtered(List<ObjectNode> records, Map<String, List<String>> query) {
        List<ObjectNode> selected = new ArrayList<>();
        for (ObjectNode record : records) {
            if (passes(query, record, "updated_at") && passes(query, record, "created_at")) {
                selected.add(record);
            }
        }
        String sort = query.getOrDefault("search[sort]", List.of("created_at")).get(0);
        int page = Integer.parseInt(query.getOrDefault("page[number]", List.of("1")).get(0));
        Comparator<ObjectNode> byId = Comparator.comparing(r -> r.get("id").asInt());
        Comparator<ObjectNode> ties = tiesDifferOnEachPage && page % 2 == 0 ? byId.reversed() : byId;
        Comparator<ObjectNode> order = Comparator.<ObjectNode, Instant>comparing(r -> Instant.parse(r.get(sort).asText()))
                .thenComparing(ties);
        boolean ascending = "asc".equals(query.getOrDefault("search[direction]", List.of("desc")).get(0));
        selected.sort(ascending ? order : Comparator.<ObjectNode, Instant>comparing(
                r -> Instant.parse(r.get(sort).asText())).reversed().thenComparing(ties));
        return selected;
    }

    /** Whether a record passes the query's filters on one of its times ({@code search[updated_at][gte]}, ...). */
    private static boolean passes(Map<String, List<String>> query, ObjectNode record, String field) {
        Instant time = Instant.parse(record.get(field).asText());
        return passes(query, field, "gt", t -> time.isAfter(t)) && passes(query, field, "gte", t -> !time.isBefore(t))
               && passes(query, field, "lt", t -> time.isBefore(t)) && passes(query, field, "lte", t -> !time.isAfter(t));
    }

    private static boolean passes(Map<String, List<String>> query, String field, String operator, Predicate<Instant> test) {
        List<String> values = query.get("search[" + field + "][" + operator + "]");
        return values == null || test.test(searchTime(values.get(0)));
    }

    /** Tito's form {@code 2019-01-01T09:00:00+UTC}; a '+' left unencoded in the URL arrives as a space. */
    static Instant searchTime(String value) {
        String utc = value.replace(" UTC", "").replace("+UTC", "");
        if (utc.equals(value)) {
            throw new IllegalArgumentException("a time without +UTC would be in the event's zone: " + value);
        }
        return LocalDateTime.parse(utc, DateTimeFormatter.ISO_LOCAL_DATE_TIME).toInstant(ZoneOffset.UTC);
    }

    private static ObjectNode list(String key, List<ObjectNode> records, Map<String, List<String>> query,
            List<String> hidden, java.util.function.UnaryOperator<ObjectNode> shown) {
        int size = Math.min(1000, Math.max(1, Integer.parseInt(query.getOrDefault("page[size]", List.of("100")).get(0))));
        int number = Math.max(1, Integer.parseInt(query.getOrDefault("page[number]", List.of("1")).get(0)));
        int pages = Math.max(1, (records.size() + size - 1) / size);
        ObjectNode answer = JSON.createObjectNode();
        ArrayNode page = answer.putArray(key);
        records.stream().skip((long) (number - 1) * size).limit(size).map(shown).forEach(page::add);
        ObjectNode meta = answer.putObject("meta");
        meta.put("api_version", "3.1.0").put("current_page", number);
        if (number < pages) {
            meta.put("next_page", number + 1);
        } else {
            meta.putNull("next_page");
        }
        if (number > 1) {
            meta.put("prev_page", number - 1);
        } else {
            meta.putNull("prev_page");
        }
        meta.put("total_pages", pages).put("total_count", records.size()).put("per_page", size)
                .put("overall_total", records.size());
        hidden.forEach(meta.putArray("search_states_hidden_by_default")::add);
        return answer;
    }

    private Object[] endpoint(Event event, String method, String id, byte[] body) {
        if (id == null && "GET".equals(method)) {
            ObjectNode answer = JSON.createObjectNode();
            event.endpoints.values().forEach(answer.putArray("webhook_endpoints")::add);
            answer.putObject("meta").put("api_version", "3.1.0").put("total_count", event.endpoints.size())
                    .putNull("next_page");
            return new Object[] {200, answer};
        }
        if (id == null && "POST".equals(method)) {
            JsonNode given = parse(body).path("webhook_endpoint");
            if (!given.path("url").asText().startsWith("https://") || !given.path("included_triggers").isArray()) {
                return new Object[] {422, error(422, "url must be a secure, https URL; included_triggers are required")};
            }
            addEndpoint(eventSlugOf(event), given.get("url").asText(), JSON.convertValue(given.get("included_triggers"),
                    JSON.getTypeFactory().constructCollectionType(List.class, String.class)));
            ObjectNode created = new ArrayList<>(event.endpoints.values()).get(event.endpoints.size() - 1);
            return new Object[] {201, wrap(created)};
        }
        ObjectNode endpoint = id == null ? null : event.endpoints.get(Integer.valueOf(id));
        if (endpoint == null) {
            return new Object[] {404, error(404, "Webhook endpoint not found")};
        }
        switch (method) {
            case "GET":
                return new Object[] {200, wrap(endpoint)};
            case "PATCH":
                JsonNode given = parse(body).path("webhook_endpoint");
                given.fields().forEachRemaining(field -> endpoint.set(field.getKey(), field.getValue()));
                return new Object[] {200, wrap(endpoint)};
            case "DELETE":
                event.endpoints.remove(Integer.valueOf(id));
                return new Object[] {204, null};
            default:
                return new Object[] {405, error(405, "Method not allowed")};
        }
    }

    private String eventSlugOf(Event event) {
        return events.entrySet().stream().filter(e -> e.getValue() == event).findFirst().orElseThrow().getKey();
    }

    private static ObjectNode wrap(ObjectNode endpoint) {
        ObjectNode answer = JSON.createObjectNode();
        answer.set("webhook_endpoint", endpoint.deepCopy());
        answer.putObject("meta").put("api_version", "3.1.0");
        return answer;
    }

    private static ObjectNode error(int status, String message) {
        return JSON.createObjectNode().put("status", status).put("message", message);
    }

    private static JsonNode parse(byte[] body) {
        try {
            return JSON.readTree(body);
        } catch (IOException e) {
            throw new IllegalArgumentException("not JSON: " + e.getMessage());
        }
    }

    private static Map<String, List<String>> query(String raw) {
        Map<String, List<String>> query = new HashMap<>();
        if (raw != null) {
            for (String pair : raw.split("&")) {
                int eq = pair.indexOf('=');
                String key = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
                String value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
                query.computeIfAbsent(key, k -> new ArrayList<>()).add(value);
            }
        }
        return query;
    }

    private static final Map<String, JsonNode> EXAMPLE_CACHE = new ConcurrentHashMap<>();

    static JsonNode example(String file) {
        return EXAMPLE_CACHE.computeIfAbsent(file, TitoApiEmulator::readExample);
    }

    private static JsonNode readExample(String file) {
        try {
            return JSON.readTree(EXAMPLES.resolve(file).toFile());
        } catch (IOException e) {
            throw new IllegalStateException("Cannot read Tito's example " + file + ": " + e.getMessage(), e);
        }
    }

    /** Tito's API form of a time: {@code 2022-03-26T07:36:27.000Z}. */
    public static String iso(Instant instant) {
        return DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC).format(instant);
    }
}
