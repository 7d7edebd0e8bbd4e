package titorelay.tito;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Calls to Tito's Admin API for one account: {@code {tito.api-url}/{account}/{event}/...}. Rate limiting (429), Tito's
 * own errors (5xx) and network failures are retried with doubling delays, never shorter than Retry-After; a refused
 * token (401) or an unknown account or event (404) fails at once, naming the setting to fix. The token goes in the
 * Authorization header only: never in a URL, a log line or an exception.
 */
public final class TitoApiClient {

    private static final Logger LOG = LoggerFactory.getLogger(TitoApiClient.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long MAX_DELAY_MS = 60_000;
    /** The longest Retry-After honoured as it is: a longer one (or nonsense) waits this long, then tries again. */
    static final long MAX_RETRY_AFTER_MS = 15 * 60_000;

    private final TitoApiSettings settings;
    private final HttpClient http;
    private final long retryDelayMs;
    private final int maxRetries;

    public TitoApiClient(TitoApiSettings settings, long retryDelayMs, int maxRetries) {
        this.settings = settings;
        this.retryDelayMs = retryDelayMs;
        this.maxRetries = maxRetries;
        this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(10)).build();
    }

    /** GET {event}/{path}?{parameters}: each entry a name and value, names repeatable (search[states][]). */
    public JsonNode get(String event, String path, List<Map.Entry<String, String>> parameters)
            throws TitoApiException, InterruptedException {
        return parse(call("GET", event, path + query(parameters), null));
    }

    /**
     * The same, read straight into maps and lists: a page of records becomes the bodies the routes take without a
     * second copy of it in memory.
     */
    @SuppressWarnings("unchecked")
    public Map<String, Object> getPage(String event, String path, List<Map.Entry<String, String>> parameters)
            throws TitoApiException, InterruptedException {
        byte[] body = call("GET", event, path + query(parameters), null);
        try {
            return body.length == 0 ? Map.of() : JSON.readValue(body, Map.class);
        } catch (IOException e) {
            throw new TitoApiException(0, "Tito's answer to " + path + " is not JSON: " + e.getMessage(), null);
        }
    }

    /** POST, PATCH or DELETE of {event}/{path} with a JSON body (or none). */
    public JsonNode send(String method, String event, String path, JsonNode body) throws TitoApiException, InterruptedException {
        return parse(call(method, event, path, body));
    }

    private static String query(List<Map.Entry<String, String>> parameters) {
        String query = parameters.stream().map(p -> encode(p.getKey()) + "=" + encode(p.getValue()))
                .collect(Collectors.joining("&"));
        return query.isEmpty() ? "" : "?" + query;
    }

    private static JsonNode parse(byte[] body) throws TitoApiException {
        try {
            return body.length == 0 ? JSON.createObjectNode() : JSON.readTree(body);
        } catch (IOException e) {
            throw new TitoApiException(0, "Tito's answer is not JSON: " + e.getMessage(), null);
        }
    }

    private byte[] call(String method, String event, String pathAndQuery, JsonNode body)
            throws TitoApiException, InterruptedException {
        URI uri = URI.create(settings.apiUrl() + "/" + encode(settings.account()) + "/" + encode(event) + "/" + pathAndQuery);
        String what = method + " " + settings.account() + "/" + event + "/" + pathAndQuery.replaceAll("\\?.*", "");
        long delay = retryDelayMs;
        for (int attempt = 0; ; attempt++) {
            HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(60))
                    .header("Authorization", "Token token=" + settings.token())
                    .header("Accept", "application/json");
            if (body != null) {
                request.header("Content-Type", "application/json").method(method,
                        HttpRequest.BodyPublishers.ofByteArray(bytes(body)));
            } else {
                request.method(method, HttpRequest.BodyPublishers.noBody());
            }
            String failure;
            long retryAfterMs = 0;
            try {
                HttpResponse<byte[]> response = http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
                int status = response.statusCode();
                if (status / 100 == 2) {
                    return response.body();
                }
                if (status == 401) {
                    throw new TitoApiException(401, "Tito refused the API token (401) for " + what
                            + ": set tito.api-token (TITO_API_TOKEN) to a live Admin API token of account '"
                            + settings.account() + "'", "tito.api-token");
                }
                if (status == 404) {
                    throw new TitoApiException(404, "Tito knows no account '" + settings.account() + "' with event '"
                            + event + "' for this token (404 for " + what + "): check tito.account and tito.events"
                            + " (the slugs in https://ti.to/ACCOUNT/EVENT)", "tito.account / tito.events");
                }
                if (status != 429 && status / 100 != 5) {
                    throw new TitoApiException(status, "Tito answered " + status + " to " + what + ": "
                            + message(response.body()), null);
                }
                failure = status + " " + message(response.body());
                retryAfterMs = retryAfterMillis(response.headers().firstValue("Retry-After").orElse(null));
            } catch (IOException e) {
                failure = e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
            }
            if (attempt >= maxRetries) {
                throw new TitoApiException(0, what + " failed " + (attempt + 1) + " times, last with " + failure, null);
            }
            long wait = waitMillis(delay, retryAfterMs);
            LOG.warn("{} failed ({}); retrying in {} ms", what, failure, wait);
            Thread.sleep(wait);
            delay = Math.min(MAX_DELAY_MS, delay * 2);
        }
    }

    /**
     * How long to wait before the next try: the doubling delay (at most a minute), but never less than Tito's
     * Retry-After (up to {@link #MAX_RETRY_AFTER_MS}): a retry inside the window it names only meets another 429.
     */
    static long waitMillis(long delay, long retryAfterMs) {
        return Math.max(Math.min(MAX_DELAY_MS, delay), Math.min(MAX_RETRY_AFTER_MS, retryAfterMs));
    }

    /** Retry-After in seconds (Tito's form); an HTTP date or nonsense counts as none. */
    static long retryAfterMillis(String value) {
        try {
            return value == null ? 0 : Math.max(0, Long.parseLong(value.strip()) * 1000);
        } catch (NumberFormatException notSeconds) {
            return 0;
        }
    }

    private static byte[] bytes(JsonNode body) {
        try {
            return JSON.writeValueAsBytes(body);
        } catch (IOException e) {
            throw new IllegalArgumentException(e);
        }
    }

    private static String message(byte[] body) {
        try {
            JsonNode error = JSON.readTree(body);
            return error.path("message").asText(error.toString());
        } catch (IOException notJson) {
            String text = new String(body, StandardCharsets.UTF_8);
            return text.length() > 200 ? text.substring(0, 200) + "..." : text;
        }
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }
}
