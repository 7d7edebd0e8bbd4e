package titorelay.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import titorelay.inbox.InboxEnvelope;
import titorelay.inbox.RecordDeadLetter;
import titorelay.support.LogCapture;
import titorelay.support.TestRelay;

/**
 * The console's door, over plain HTTP: nothing without logging in, wrong passwords slowed down, the session cookie
 * kept from scripts and other sites, and no change without the CSRF token.
 */
class ConsoleAccessTest {

    private static final String PASSWORD = "correct horse battery";
    private static final Duration PATIENCE = Duration.ofSeconds(20);
    private static final Pattern CSRF = Pattern.compile("name=\"csrf\" value=\"([^\"]+)\"");

    private final HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();

    @Test
    void everyPageAndActionNeedsALogin(@TempDir Path data) throws Exception {
        try (TestRelay relay = TestRelay.start(data, Map.of("relay.console.password", PASSWORD))) {
            for (String page : new String[] {"/console", "/console/deliveries", "/console/deliveries/x",
                    "/console/dead-letters", "/console/replay?all=yes"}) {
                HttpResponse<String> answer = get(relay, page, null);
                assertEquals(303, answer.statusCode(), page);
                assertEquals("/console/login", answer.headers().firstValue("Location").orElse(""), page);
            }
            assertEquals(403, post(relay, "/console/replay", null, Map.of("all", "yes")).statusCode());
            assertEquals(303, get(relay, "/console", "tito-console=made-up-session").statusCode());
            // Health and metrics stay open for load balancers and Prometheus.
            assertEquals(200, get(relay, "/observe/health", null).statusCode());
            assertEquals(200, get(relay, "/observe/metrics", null).statusCode());
        }
    }

    @Test
    void wrongPasswordsAreSlowedDownAndTheSessionCookieIsGuarded(@TempDir Path data) throws Exception {
        try (TestRelay relay = TestRelay.start(data, Map.of("relay.console.password", PASSWORD,
                "relay.console.login-delay-ms", "1500"))) {
            HttpResponse<String> wrong = post(relay, "/console/login", null, Map.of("password", "guess"));
            assertEquals(401, wrong.statusCode());
            assertTrue(wrong.body().contains("Wrong password"));
            assertTrue(wrong.headers().firstValue("Set-Cookie").isEmpty());

            // Even the right password is not looked at during the wait.
            HttpResponse<String> tooSoon = post(relay, "/console/login", null, Map.of("password", PASSWORD));
            assertEquals(429, tooSoon.statusCode());
            long retryAfter = Long.parseLong(tooSoon.headers().firstValue("Retry-After").orElseThrow());
            assertTrue(retryAfter >= 1 && retryAfter <= 2, "Retry-After " + retryAfter);
            assertTrue(tooSoon.headers().firstValue("Set-Cookie").isEmpty());

            Thread.sleep(retryAfter * 1000);
            HttpResponse<String> right = post(relay, "/console/login", null, Map.of("password", PASSWORD));
            assertEquals(303, right.statusCode());
            assertEquals("/console", right.headers().firstValue("Location").orElse(""));
            String cookie = right.headers().firstValue("Set-Cookie").orElseThrow();
            assertTrue(cookie.startsWith("tito-console="), cookie);
            assertTrue(cookie.toLowerCase(java.util.Locale.ROOT).contains("httponly"), cookie);
            assertTrue(cookie.contains("SameSite=Strict"), cookie);
            assertTrue(cookie.contains("Path=/console"), cookie);

            HttpResponse<String> overview = get(relay, "/console", sessionOf(cookie));
            assertEquals(200, overview.statusCode());
            assertTrue(overview.body().contains("<h1>Overview</h1>"));
            String policy = overview.headers().firstValue("Content-Security-Policy").orElseThrow();
            assertTrue(policy.contains("default-src 'none'"), policy);
            assertEquals("no-store", overview.headers().firstValue("Cache-Control").orElse(""));

            // Logging out ends the session on the server, not only in the browser.
            String csrf = csrfOf(overview.body());
            assertEquals(303, post(relay, "/console/logout", sessionOf(cookie), Map.of("csrf", csrf)).statusCode());
            assertEquals(303, get(relay, "/console", sessionOf(cookie)).statusCode());
        }
    }

    @Test
    void aReplayWithoutTheCsrfTokenIsRefusedAndChangesNothing(@TempDir Path data) throws Exception {
        try (TestRelay relay = TestRelay.start(data, Map.of("relay.console.password", PASSWORD))) {
            Path deadLetter = writeDeadLetter(data, "20261127T120000000-000000001-ticket.updated.webhook");
            String session = logIn(relay);

            assertEquals(403, post(relay, "/console/replay", session, Map.of("all", "yes")).statusCode());
            assertEquals(403, post(relay, "/console/replay", session, Map.of("all", "yes", "csrf", "forged"))
                    .statusCode());
            assertTrue(Files.exists(deadLetter), "the dead letter stays where it was");

            HttpResponse<String> confirmation = get(relay, "/console/replay?all=yes", session);
            assertEquals(200, confirmation.statusCode());
            assertTrue(confirmation.body().contains("Replay 1 dead letter(s)"), confirmation.body());
            assertTrue(Files.exists(deadLetter), "asking for the confirmation replays nothing");

            HttpResponse<String> replayed = post(relay, "/console/replay", session,
                    Map.of("all", "yes", "csrf", csrfOf(confirmation.body())));
            assertEquals(303, replayed.statusCode());
            assertEquals("/console/dead-letters?replayed=1", replayed.headers().firstValue("Location").orElse(""));
            Path tickets = data.resolve("sheets/Tickets.csv");
            TestRelay.await("the replayed ticket's row", PATIENCE,
                    () -> TestRelay.uncheck(() -> Files.exists(tickets)
                                                  && Files.readString(tickets).contains("1i5nfwf2t")));
            assertFalse(Files.exists(deadLetter));
        }
    }

    @Test
    void aReplayOfOneSinkTakesOnlyThatSinksDeadLetters(@TempDir Path data) throws Exception {
        try (TestRelay relay = TestRelay.start(data, Map.of("relay.console.password", PASSWORD,
                "relay.dispatch.auto-start", "false"))) {
            Path sheet = writeDeadLetter(data, "20261127T120000000-000000001-ticket.updated.webhook");
            Path mail = writeDeadLetter(data, "20261127T120000000-000000002-ticket.voided.webhook");
            Files.writeString(mail, Files.readString(mail).replace("Failed-Sink: spreadsheet",
                    "Failed-Sink: organizer-email"));
            String session = logIn(relay);

            HttpResponse<String> list = get(relay, "/console/dead-letters", session);
            assertTrue(list.body().contains("Replay all of organizer-email (1)"), list.body());
            assertTrue(list.body().contains("Replay all of spreadsheet (1)"), list.body());
            HttpResponse<String> confirmation = get(relay, "/console/replay?sink=organizer-email", session);
            assertTrue(confirmation.body().contains("Replay every dead letter of the sink organizer-email: 1"),
                    confirmation.body());
            HttpResponse<String> replayed = post(relay, "/console/replay", session,
                    Map.of("sink", "organizer-email", "csrf", csrfOf(confirmation.body())));
            assertEquals("/console/dead-letters?replayed=1", replayed.headers().firstValue("Location").orElse(""));
            assertTrue(Files.exists(sheet), "the spreadsheet's dead letter stays");
            assertFalse(Files.exists(mail));
            assertTrue(Files.exists(data.resolve("inbox").resolve(mail.getFileName())), "replayed through the inbox");
        }
    }

    @Test
    void theDeliveryLogIsPagedNewestFirst(@TempDir Path data) throws Exception {
        try (TestRelay relay = TestRelay.start(data, Map.of("relay.console.password", PASSWORD))) {
            byte[] ticket = Files.readAllBytes(Path.of("samples/ticket-basic.json"));
            String template = new String(ticket, StandardCharsets.UTF_8);
            int sent = ConsolePages.PAGE_SIZE + 7;
            for (int i = 0; i < sent; i++) {
                String body = template.replace("\"1i5nfwf2t\"", "\"PAGE-" + i + "\"")
                        .replace("1i5nfwf2t24", "ti_page_" + i);
                assertEquals(202, relay.send("ticket.updated", body.getBytes(StandardCharsets.UTF_8)).status());
            }
            String session = logIn(relay);
            TestRelay.await("every delivery in the log", PATIENCE, () -> TestRelay.uncheck(
                    () -> get(relay, "/console/deliveries?outcome=done", session).body()
                            .contains(sent + " deliveries")));
            String first = get(relay, "/console/deliveries", session).body();
            assertTrue(first.contains("page 1 of 2"), first);
            assertTrue(first.contains(">PAGE-" + (sent - 1) + "<"), "the newest on the first page");
            assertFalse(first.contains(">PAGE-0<"));
            assertTrue(first.contains("rel=\"next\""));
            String second = get(relay, "/console/deliveries?name=&outcome=&q=&page=2", session).body();
            assertTrue(second.contains("page 2 of 2"), second);
            for (int i = 0; i < 7; i++) {
                assertTrue(second.contains(">PAGE-" + i + "<"), "the oldest seven on the second page: " + i);
            }
            assertFalse(second.contains(">PAGE-7<"));
            assertTrue(second.contains("rel=\"prev\""));
        }
    }

    @Test
    void withoutAPasswordOneIsGeneratedForItsOwnerAndTheLogSaysWhere(@TempDir Path data) throws Exception {
        try (LogCapture log = new LogCapture(); TestRelay relay = TestRelay.start(data)) {
            Path file = data.resolve("console-password");
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
            String generated = Files.readString(file).strip();
            assertTrue(generated.length() >= 20, "a long random password");
            assertTrue(log.lines().stream().anyMatch(line -> line.contains(file.toString())), "the log says where");
            assertTrue(log.lines().stream().noneMatch(line -> line.contains(generated)), "never the password itself");
            assertEquals(303, post(relay, "/console/login", null, Map.of("password", generated)).statusCode());
        }
    }

    @Test
    void aShortPasswordStopsTheStartWithAClearError(@TempDir Path data) {
        Exception refused = assertThrows(Exception.class,
                () -> TestRelay.start(data, Map.of("relay.console.password", "short")).close());
        String messages = "";
        for (Throwable t = refused; t != null; t = t.getCause()) {
            messages += t.getMessage() + "\n";
        }
        assertTrue(messages.contains("relay.console.password is shorter than 12 characters"), messages);
        assertFalse(messages.contains("short\n"), "the password itself is not shown");
    }

    private String logIn(TestRelay relay) throws Exception {
        HttpResponse<String> answer = post(relay, "/console/login", null, Map.of("password", PASSWORD));
        assertEquals(303, answer.statusCode());
        return sessionOf(answer.headers().firstValue("Set-Cookie").orElseThrow());
    }

    static Path writeDeadLetter(Path data, String name) throws Exception {
        byte[] body = Files.readAllBytes(Path.of("samples/ticket-basic.json"));
        Map<String, String> fields = new LinkedHashMap<>();
        fields.put(InboxEnvelope.WEBHOOK_NAME, "ticket.updated");
        fields.put(InboxEnvelope.RECEIVED_AT, Instant.now().toString());
        fields.put(RecordDeadLetter.FAILURE, "IOException: the sheet was away");
        fields.put(RecordDeadLetter.FAILED_SINK, "spreadsheet");
        fields.put(RecordDeadLetter.ATTEMPTS, "7");
        fields.put(RecordDeadLetter.FAILED_AT, Instant.now().toString());
        Path file = data.resolve("dead-letters").resolve(name);
        Files.createDirectories(file.getParent());
        Files.write(file, new InboxEnvelope(fields, body).toBytes());
        return file;
    }

    private static String sessionOf(String setCookie) {
        return setCookie.substring(0, setCookie.indexOf(';'));
    }

    private static String csrfOf(String html) {
        Matcher csrf = CSRF.matcher(html);
        assertTrue(csrf.find(), "the page carries a CSRF token");
        return csrf.group(1);
    }

    private HttpResponse<String> get(TestRelay relay, String path, String cookie) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri(relay, path)).GET();
        if (cookie != null) {
            request.header("Cookie", cookie);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> post(TestRelay relay, String path, String cookie, Map<String, String> form)
            throws Exception {
        StringBuilder body = new StringBuilder();
        form.forEach((key, value) -> body.append(body.length() == 0 ? "" : "&")
                .append(URLEncoder.encode(key, StandardCharsets.UTF_8)).append('=')
                .append(URLEncoder.encode(value, StandardCharsets.UTF_8)));
        HttpRequest.Builder request = HttpRequest.newBuilder(uri(relay, path))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(body.toString()));
        if (cookie != null) {
            request.header("Cookie", cookie);
        }
        HttpResponse<String> answer = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        assertNotNull(answer);
        return answer;
    }

    private static URI uri(TestRelay relay, String path) {
        return URI.create("http://127.0.0.1:" + relay.managementPort() + path);
    }
}
