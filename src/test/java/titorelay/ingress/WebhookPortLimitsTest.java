package titorelay.ingress;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.Test;
import titorelay.signature.TitoSignature;
import titorelay.support.HeldRequest;
import titorelay.support.RawHttp;
import titorelay.support.Samples;
import titorelay.support.TestRelay;
import titorelay.support.Tickets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The webhook port's limits on what an unverified client may hold: connections, requests in flight, body bytes, and
 * silence. Each is set small here; beyond it a client gets 503 with Retry-After or a closed connection, and Tito's
 * webhooks are still taken.
 */
class WebhookPortLimitsTest {

    private static final byte[] TICKET = Samples.bytes("ticket-basic.json");
    /** Small, so that the requests written after it arrive with it, in the relay's first read. */
    private static final byte[] UNSIGNED_BODY = "{}".getBytes(StandardCharsets.US_ASCII);

    private static TestRelay relay(Map<String, String> limits) throws Exception {
        Map<String, String> settings = new java.util.HashMap<>(limits);
        settings.put("relay.dispatch.auto-start", "false");
        return TestRelay.start(Files.createTempDirectory("port-limits"), settings);
    }

    @Test
    void aConnectionBeyondTheCapIsClosedAtOnce() throws Exception {
        try (TestRelay relay = relay(Map.of("tito.max-connections", "5"))) {
            List<HeldRequest> idle = new ArrayList<>();
            try {
                for (int i = 0; i < 5; i++) {
                    idle.add(HeldRequest.idle(relay.port()));
                }
                try (HeldRequest sixth = HeldRequest.idle(relay.port())) {
                    assertEquals("", sixth.answerOrClose(5000), "the sixth connection is closed without a word");
                }
                assertEquals(1.0, relay.counter("tito_webhooks_rejected_total", "reason=\"too-many-connections\""));
                assertNull(idle.get(0).answerOrClose(300), "the five within the cap stay open");
            } finally {
                for (HeldRequest connection : idle) {
                    connection.close();
                }
            }
            TestRelay.await("a webhook to be taken once connections were closed", Duration.ofSeconds(5),
                    () -> TestRelay.uncheck(() -> tryToSend(relay) == 202));
        }
    }

    @Test
    void aRequestBeyondTheInFlightCapIsAnswered503() throws Exception {
        try (TestRelay relay = relay(Map.of("tito.max-requests-in-flight", "2"))) {
            try (HeldRequest first = HeldRequest.open(relay.port(), 1000, 10);
                 HeldRequest second = HeldRequest.open(relay.port(), 1000, 10)) {
                RawHttp.Answer third = relay.send("ticket.updated", TICKET);
                assertEquals(503, third.status(), third.raw());
                assertEquals("10", third.header("Retry-After"));
                assertEquals("close", third.header("Connection"));
                assertTrue(third.body().contains("\"error\""), third.body());
                assertEquals(1.0, relay.counter("tito_webhooks_rejected_total", "reason=\"busy\""));
            }
            TestRelay.await("a webhook to be taken once the held requests went away", Duration.ofSeconds(5),
                    () -> TestRelay.uncheck(() -> tryToSend(relay) == 202));
            assertEquals(1, relay.inbox().size());
        }
    }

    @Test
    void largeBodiesHeldOpenCannotTakeTheRoomTitosWebhooksNeed() throws Exception {
        try (TestRelay relay = relay(Map.of("tito.max-unverified-bytes", "400000",
                "tito.max-unverified-large-bytes", "250000", "tito.large-body-bytes", "65536"))) {
            try (HeldRequest first = HeldRequest.open(relay.port(), 100_000, 99_999);
                 HeldRequest second = HeldRequest.open(relay.port(), 100_000, 99_999);
                 HeldRequest third = HeldRequest.open(relay.port(), 100_000, 10);
                 HeldRequest chunked = HeldRequest.open(relay.port(), -1, 10)) {
                assertTrue(third.answerOrClose(5000).startsWith("HTTP/1.1 503"), "a third large body is over the share");
                assertTrue(chunked.answerOrClose(5000).startsWith("HTTP/1.1 503"), "a chunked body counts as the largest");
                assertEquals(2.0, relay.counter("tito_webhooks_rejected_total", "reason=\"unverified-bytes\""));
                assertNull(first.answerOrClose(200), "the two within the share are still being received");
                for (int i = 0; i < 20; i++) {
                    assertEquals(202, relay.send("ticket.updated", TICKET).status(), "Tito's small webhooks still fit");
                }
            }
        }
    }

    @Test
    void aSilentConnectionIsClosedAfterTheIdleTimeoutAndReleasesWhatItHeld() throws Exception {
        try (TestRelay relay = relay(Map.of("tito.idle-timeout-ms", "500", "tito.max-unverified-bytes", "150000",
                "tito.max-unverified-large-bytes", "150000", "tito.large-body-bytes", "65536"))) {
            try (HeldRequest silent = HeldRequest.idle(relay.port());
                 HeldRequest held = HeldRequest.open(relay.port(), 100_000, 99_999)) {
                // Without the idle timeout both would stay open well past the patience below (the request time-out is
                // 30 s); how long a loaded machine takes to close them is no part of the rule.
                assertEquals("", silent.answerOrClose(5000), "a connection that sends nothing is closed");
                String heldAnswer = held.answerOrClose(5000);
                assertNotNull(heldAnswer, "a request whose body stopped coming is closed");
                TestRelay.await("the incomplete body to be counted", Duration.ofSeconds(5),
                        () -> TestRelay.uncheck(() -> relay.counter("tito_webhooks_rejected_total",
                                "reason=\"body-incomplete\"") == 1.0));
            }
            // The 100,000 bytes it reserved are free again: another body as large fits the 150,000 budget.
            try (HeldRequest next = HeldRequest.open(relay.port(), 100_000, 99_999)) {
                assertNull(next.answerOrClose(300), "a new large body is taken, not refused");
            }
            assertEquals(0.0, relay.counter("tito_webhooks_rejected_total", "reason=\"unverified-bytes\""));
        }
    }

    @Test
    void aHeadTrickledByteByByteIsClosedAtTheIdleTimeoutThoughItsBytesKeepComing() throws Exception {
        // A byte every 50 ms, and the head never ends: a header of 200 bytes would take 10 s. Vert.x's idle timeout
        // counts what its decoder makes of the bytes (a request's head, its body's parts), not the bytes, so a head
        // still coming after the idle timeout is closed like a silent connection, without a word. Else 2,000 such
        // clients would hold the connection cap for as long as they like, shutting Tito out.
        try (TestRelay relay = relay(Map.of("tito.idle-timeout-ms", "1000"))) {
            byte[] endlessHead = ("X-Padding: " + "a".repeat(200)).getBytes(StandardCharsets.US_ASCII);
            ExecutorService trickler = Executors.newSingleThreadExecutor();
            try (Socket connection = new Socket("127.0.0.1", relay.port())) {
                // The request line at once (as a slowloris client sends it), then the headers a byte at a time.
                connection.getOutputStream().write("POST /webhooks/tito HTTP/1.1\r\nHost: x\r\n".getBytes(StandardCharsets.US_ASCII));
                long started = System.nanoTime();
                Future<Integer> trickled = trickler.submit(() -> trickle(connection, endlessHead, 50));
                assertEquals("", untilClosed(connection), "closed without an answer");
                long tookMs = (System.nanoTime() - started) / 1_000_000;
                assertTrue(tookMs >= 1000, "closed after " + tookMs + " ms, before the idle timeout");
                int sent = trickled.get(10, TimeUnit.SECONDS); // the trickling thread's failure fails the test
                assertTrue(sent < endlessHead.length, "the relay closed the connection while the head was still coming");
            } finally {
                trickler.shutdownNow();
            }
            assertNothingHeldAfterASentinel(relay);
            // The decoder hands on what it had of the head when the connection closed: no request, so no refusal.
            assertEquals("", relay.metrics().lines().filter(line -> line.startsWith("tito_webhooks_rejected_total"))
                    .collect(java.util.stream.Collectors.joining("\n")), "nothing counted as refused");
        }
    }

    @Test
    void http2IsNotSpokenOnTheWebhookPort() throws Exception {
        try (TestRelay relay = relay(Map.of())) {
            try (Socket priorKnowledge = new Socket("127.0.0.1", relay.port())) {
                priorKnowledge.setSoTimeout(5000);
                priorKnowledge.getOutputStream().write("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                byte[] answer = priorKnowledge.getInputStream().readNBytes(9);
                String text = new String(answer, StandardCharsets.ISO_8859_1);
                // HTTP/2 would answer with a binary SETTINGS frame; an HTTP/1.x decoder answers in text, or closes.
                assertTrue(answer.length == 0 || text.startsWith("HTTP/"),
                        "no HTTP/2 frame in answer to the HTTP/2 preface, got: " + text);
            }

            RawHttp.Answer upgrade = RawHttp.request("GET", "/webhooks/tito").header("Upgrade", "h2c")
                    .header("HTTP2-Settings", "AAMAAABkAAQAAP__").rawHeaderLine("Connection: Upgrade, HTTP2-Settings")
                    .send(relay.port());
            assertEquals(405, upgrade.status(), "answered in HTTP/1.1, not switched to HTTP/2: " + upgrade.raw());
            assertTrue(upgrade.raw().startsWith("HTTP/1.1 405"), upgrade.raw());
        }
    }

    @Test
    void titosKeepAliveConnectionIsServedRequestAfterRequest() throws Exception {
        try (TestRelay relay = relay(Map.of()); Socket connection = new Socket("127.0.0.1", relay.port())) {
            for (int i = 0; i < 5; i++) {
                byte[] body = Tickets.ticket("ti_kept_alive_" + i, "complete", "Person " + i, "2022-03-26 08:00:00 UTC");
                RawHttp.Answer answer = signed(body).header("Connection", "keep-alive").sendOn(connection);
                assertEquals(202, answer.status(), "webhook " + i + " on the same connection: " + answer.raw());
            }
            assertEquals(5, relay.inbox().size());
        }
    }

    @Test
    void aRefusalEndsItsConnectionAndARequestPipelinedAfterItIsNotServed() throws Exception {
        try (TestRelay relay = relay(Map.of())) {
            byte[] get = keptAlive("GET", "/webhooks/tito").bytes(relay.port());
            String answers;
            try (Socket connection = new Socket("127.0.0.1", relay.port())) {
                connection.getOutputStream().write(concat(get, get));
                answers = untilClosed(connection);
            }
            assertEquals(1, statusLines(answers).size(), answers);
            assertTrue(answers.startsWith("HTTP/1.1 405"), answers);

            assertEquals(202, relay.send("ticket.updated", TICKET).status(), "the sentinel");
            assertEquals(1.0, relay.counter("tito_webhooks_rejected_total", "reason=\"method\""),
                    "the GET pipelined after the refused one was never served");
        }
    }

    @Test
    void aRequestPipelinedBehindAnUnansweredOneEndsTheConnectionAfterThatAnswer() throws Exception {
        try (TestRelay relay = relay(Map.of())) {
            byte[] unsigned = unsigned(relay);
            byte[] elsewhere = keptAlive("GET", "/elsewhere").bytes(relay.port());
            String answers;
            try (Socket connection = new Socket("127.0.0.1", relay.port())) {
                connection.getOutputStream().write(concat(unsigned, elsewhere, unsigned));
                answers = untilClosed(connection);
            }
            assertEquals(List.of("HTTP/1.1 401 Unauthorized"), statusLines(answers), answers);

            assertEquals(202, relay.send("ticket.updated", TICKET).status(), "the sentinel");
            assertEquals(1.0, relay.counter("tito_webhooks_rejected_total", "reason=\"signature-missing\""));
            assertEquals(1.0, relay.counter("tito_webhooks_rejected_total", "reason=\"pipelined\""));
            assertEquals(1, relay.inbox().size(), "the sentinel only");
        }
    }

    @Test
    void aClientThatPipelinesWithoutReadingTheAnswersIsCutOff() throws Exception {
        try (TestRelay relay = relay(Map.of())) {
            // Answered at once and kept alive (a path with no route: 404), so only the client's not reading stops them.
            byte[] elsewhere = keptAlive("GET", "/elsewhere").bytes(relay.port());
            assertTrue(floodWithoutReading(relay, elsewhere), "the relay closed the connection");
            assertEquals(1.0, relay.counter("tito_webhooks_rejected_total", "reason=\"answers-unread\""));
            assertNothingHeldAfterASentinel(relay);
            assertEquals(1.0, relay.counter("tito_webhooks_rejected_total", "reason=\"answers-unread\""));
        }
    }

    @Test
    void aClientPipeliningToTheWebhookPathAndElsewhereWithoutReadingIsCutOff() throws Exception {
        try (TestRelay relay = relay(Map.of())) {
            byte[] elsewhere = keptAlive("GET", "/elsewhere").bytes(relay.port());
            assertTrue(floodWithoutReading(relay, concat(elsewhere, unsigned(relay))), "the relay closed the connection");
            assertNothingHeldAfterASentinel(relay);
            // The first POST was answered; the request after it came before that answer, and ended the connection.
            assertEquals(1.0, relay.counter("tito_webhooks_rejected_total", "reason=\"signature-missing\""));
            assertEquals(1.0, relay.counter("tito_webhooks_rejected_total", "reason=\"pipelined\""));
        }
    }

    @Test
    void aRequestAnsweredBeforeItsBodyArrivedEndsItsConnection() throws Exception {
        // A long idle timeout: only the answer may end the connection within the wait below.
        try (TestRelay relay = relay(Map.of("tito.idle-timeout-ms", "60000"))) {
            String answers;
            try (Socket connection = new Socket("127.0.0.1", relay.port())) {
                // A path with no route answers 404 at once; the client would trickle the rest for as long as it likes.
                connection.getOutputStream().write(("POST /elsewhere HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                                                    + "1\r\na\r\n").getBytes(StandardCharsets.US_ASCII));
                answers = untilClosed(connection);
            }
            assertEquals(List.of("HTTP/1.1 404 Not Found"), statusLines(answers), answers);
            assertNothingHeldAfterASentinel(relay);
        }
    }

    /**
     * Writes {@code requests} again and again on one connection, never reading an answer, until the relay closes the
     * connection (true) or 10 s have passed (false). Before the relay cut such clients off, it read on for as long as
     * they sent, queueing every answer in its heap.
     */
    private static boolean floodWithoutReading(TestRelay relay, byte[] requests) throws Exception {
        byte[] batch = new byte[0];
        while (batch.length < 64 * 1024) {
            batch = concat(batch, requests);
        }
        try (Socket connection = new Socket()) {
            connection.setReceiveBufferSize(4096); // the answers fill what the client's side holds at once
            connection.connect(new InetSocketAddress("127.0.0.1", relay.port()));
            AtomicBoolean cutOff = new AtomicBoolean();
            byte[] written = batch;
            Thread writer = new Thread(() -> {
                try {
                    while (true) {
                        connection.getOutputStream().write(written);
                    }
                } catch (IOException closedByTheRelay) {
                    cutOff.set(!connection.isClosed());
                }
            }, "pipelining client");
            writer.setDaemon(true);
            writer.start();
            writer.join(10_000);
            return cutOff.get();
        }
    }

    /** A signed webhook on a new connection is taken, and afterwards the relay holds no connection open. */
    private static void assertNothingHeldAfterASentinel(TestRelay relay) throws Exception {
        assertEquals(202, relay.send("ticket.updated", TICKET).status(), "the sentinel");
        TestRelay.await("every connection to be closed", Duration.ofSeconds(5), () -> TestRelay.uncheck(
                () -> TestRelay.gaugeIn(relay.metrics(), "tito_webhooks_connections") == 0));
    }

    private static RawHttp keptAlive(String method, String target) {
        return RawHttp.request(method, target).header("Connection", "keep-alive");
    }

    /** Answered 401 by the ingress route, from a worker thread: the relay reads on meanwhile. */
    private static byte[] unsigned(TestRelay relay) {
        return keptAlive("POST", "/webhooks/tito").header("Content-Type", "application/json")
                .header("X-Webhook-Name", "ticket.updated").body(UNSIGNED_BODY).bytes(relay.port());
    }

    private static RawHttp signed(byte[] body) {
        return RawHttp.request("POST", "/webhooks/tito").header("Content-Type", "application/json")
                .header("X-Webhook-Name", "ticket.updated").header("Tito-Signature", TitoSignature.sign(TestRelay.TOKEN, body))
                .body(body);
    }

    /** Everything the relay sends on the connection until it closes it; fails if it is still open after 10 s. */
    private static String untilClosed(Socket connection) throws IOException {
        connection.setSoTimeout(10_000);
        ByteArrayOutputStream received = new ByteArrayOutputStream();
        byte[] buffer = new byte[4096];
        try {
            for (int n; (n = connection.getInputStream().read(buffer)) > 0; ) {
                received.write(buffer, 0, n);
            }
        } catch (SocketTimeoutException stillOpen) {
            throw new AssertionError("the connection is still open after 10 s; received: "
                                     + received.toString(StandardCharsets.ISO_8859_1));
        } catch (IOException reset) {
            // closed with a reset: what came before it is all there is
        }
        return received.toString(StandardCharsets.ISO_8859_1);
    }

    /** Writes {@code bytes} one at a time, {@code pauseMs} apart; how many it wrote before the relay closed the connection. */
    private static int trickle(Socket connection, byte[] bytes, long pauseMs) throws InterruptedException {
        int sent = 0;
        try {
            for (byte b : bytes) {
                connection.getOutputStream().write(b);
                connection.getOutputStream().flush();
                sent++;
                Thread.sleep(pauseMs);
            }
        } catch (IOException closedByTheRelay) {
            // the relay gave up on the head
        }
        return sent;
    }

    private static List<String> statusLines(String answers) {
        return answers.lines().filter(line -> line.startsWith("HTTP/1.1 ")).toList();
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        for (byte[] part : parts) {
            all.writeBytes(part);
        }
        return all.toByteArray();
    }

    private static int tryToSend(TestRelay relay) throws IOException {
        try {
            return relay.send("ticket.updated", TICKET).status();
        } catch (IllegalStateException | IOException closed) {
            return 0;
        }
    }
}
