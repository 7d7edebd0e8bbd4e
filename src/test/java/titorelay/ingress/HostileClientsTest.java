package titorelay.ingress;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.provider.Arguments;
import titorelay.signature.TitoSignature;
import titorelay.support.LogCapture;
import titorelay.support.RawHttp;
import titorelay.support.TestRelay;
import titorelay.support.Tickets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Clients that hold connections open, drip their bodies byte by byte, or send garbage at load: valid webhooks are
 * still served, and the garbage leaves no trace (nor, in the log, a control character).
 */
class HostileClientsTest {

    @Test
    void idleAndSlowClientsAndGarbageAtLoadDoNotStopValidWebhooks() throws Exception {
        Map<String, String> settings = Map.of("relay.dispatch.auto-start", "false", "tito.request-timeout-ms", "2000");
        try (TestRelay relay = TestRelay.start(Files.createTempDirectory("hostile"), settings)) {
            List<Socket> idle = new ArrayList<>();
            List<Socket> dripping = new ArrayList<>();
            try {
                for (int i = 0; i < 1000; i++) {
                    idle.add(new Socket("127.0.0.1", relay.port()));
                }
                for (int i = 0; i < 20; i++) {
                    Socket drip = new Socket("127.0.0.1", relay.port());
                    drip.getOutputStream().write(("POST /webhooks/tito HTTP/1.1\r\nHost: x\r\nX-Webhook-Name: ticket.updated\r\n"
                                                  + "Content-Length: 100000\r\n\r\n{").getBytes(StandardCharsets.US_ASCII));
                    dripping.add(drip);
                }

                ExecutorService load = Executors.newFixedThreadPool(16);
                List<Future<?>> work = new ArrayList<>();
                int valid = 300;
                long start = System.nanoTime();
                for (int i = 0; i < valid; i++) {
                    byte[] body = Tickets.ticket("ti_hostile_" + i, "complete", "Person " + i, "2022-03-26 08:00:00 UTC");
                    work.add(load.submit(() -> {
                        assertEquals(202, relay.send("ticket.updated", body).status());
                        return null;
                    }));
                }
                List<Arguments> garbage = IngressAnswersTest.refusedRequests().toList();
                for (int round = 0; round < 3; round++) {
                    for (Arguments bad : garbage) {
                        Object[] args = bad.get();
                        work.add(load.submit(() -> {
                            RawHttp.Answer answer = ((RawHttp) args[2]).send(relay.port());
                            assertEquals((int) args[1], answer.status(), (String) args[0]);
                            return null;
                        }));
                    }
                }
                for (Future<?> f : work) {
                    f.get();
                }
                long elapsedMs = (System.nanoTime() - start) / 1_000_000;
                load.shutdown();
                System.out.printf("HostileClientsTest: %d valid and %d garbage requests in %d ms beside 1000 idle"
                                  + " and 20 dripping connections%n", valid, 3 * garbage.size(), elapsedMs);
                assertEquals(valid, relay.inbox().size(), "every valid webhook stored, and nothing else");

                // A body dripped slower than the request time-out is cut off, not waited for forever.
                Socket drip = dripping.get(0);
                drip.setSoTimeout(10_000);
                OutputStream out = drip.getOutputStream();
                InputStream in = drip.getInputStream();
                out.write('"');
                byte[] answer = new byte[64];
                int n = in.read(answer);
                assertTrue(n > 0 && new String(answer, 0, n, StandardCharsets.US_ASCII).startsWith("HTTP/1.1 503"),
                        "a dripping client is answered 503 after the request time-out");
                assertEquals(valid, relay.inbox().size());
            } finally {
                for (Socket socket : idle) {
                    socket.close();
                }
                for (Socket socket : dripping) {
                    socket.close();
                }
            }
        }
    }

    @Test
    void controlCharactersAClientSendsReachTheLogEscaped() throws Exception {
        // Header lines the HTTP decoder refuses, and quotes in its error: a bare CR (which would start a forged log
        // line), a vertical tab, and terminal escape sequences (red text, clear the screen) in a name and in a value.
        Map<String, String> escapedInTheLog = Map.of(
                "Bad\rInjected-Line: y", "Bad\\u000dInjected-Line",
                "Bad\u000bName: y", "Bad\\u000bName",
                "Bad\u001b[31mName: y", "Bad\\u001b[31mName",
                "Tito-Signature: a\u001b[2Jb", "a\\u001b[2Jb");
        try (LogCapture log = new LogCapture();
             TestRelay relay = TestRelay.start(Files.createTempDirectory("hostile"),
                     Map.of("relay.dispatch.auto-start", "false"))) {
            for (String headerLine : escapedInTheLog.keySet()) {
                RawHttp.Answer answer = RawHttp.request("POST", "/webhooks/tito").rawHeaderLine(headerLine)
                        .header("X-Webhook-Name", "ticket.updated").body("{}".getBytes(StandardCharsets.US_ASCII))
                        .send(relay.port());
                assertEquals(400, answer.status(), answer.raw());
            }
            for (String escaped : escapedInTheLog.values()) {
                TestRelay.await("the refused header " + escaped + " in the log", Duration.ofSeconds(5), () -> log.rawLines()
                        .stream().anyMatch(line -> line.contains("A webhook client's connection failed") && line.contains(escaped)));
            }
            assertEquals(202, relay.send("ticket.updated", Tickets.ticket("ti_sentinel", "complete", "Sentinel",
                    "2022-03-26 08:00:00 UTC")).status(), "the sentinel");

            List<String> lines = log.rawLines();
            assertEquals(List.of(), lines.stream().filter(line -> line.chars().anyMatch(Character::isISOControl)).toList(),
                    "no control character in the log");
            assertEquals(List.of(), lines.stream().filter(line -> line.startsWith("Injected-Line")).toList(),
                    "no line forged by a client");
        }
    }

    @Test
    void refusedWebhooksAreLoggedAtMostOnceAReasonAnInterval() throws Exception {
        long intervalMs = 5000;
        int unsigned = 5;
        int wrongToken = 2;
        byte[] body = Tickets.ticket("ti_refused", "complete", "Refused", "2022-03-26 08:00:00 UTC");
        RawHttp unsignedRequest = RawHttp.request("POST", "/webhooks/tito").header("Content-Type", "application/json")
                .header("X-Webhook-Name", "ticket.updated").body(body);
        RawHttp wrongTokenRequest = RawHttp.request("POST", "/webhooks/tito").header("Content-Type", "application/json")
                .header("X-Webhook-Name", "ticket.updated")
                .header("Tito-Signature", TitoSignature.sign("not-a-configured-token", body)).body(body);
        try (LogCapture log = new LogCapture();
             TestRelay relay = TestRelay.start(Files.createTempDirectory("hostile"), Map.of(
                     "relay.dispatch.auto-start", "false", "tito.refusal-log-interval-ms", String.valueOf(intervalMs)))) {
            long firstAnswered = 0;
            for (int i = 0; i < unsigned; i++) {
                assertEquals(401, unsignedRequest.send(relay.port()).status());
                firstAnswered = i == 0 ? System.nanoTime() : firstAnswered; // its line was written before its answer
            }
            for (int i = 0; i < wrongToken; i++) {
                assertEquals(401, wrongTokenRequest.send(relay.port()).status());
            }
            assertTrue(System.nanoTime() - firstAnswered < intervalMs * 1_000_000, "all refused within one interval");
            assertEquals(202, relay.send("ticket.updated", body).status(), "the sentinel");

            assertEquals(1, refusalLines(log, "401 signature-missing").size(), "one line for the five unsigned");
            assertEquals(1, refusalLines(log, "401 signature-mismatch").size(), "one line for the two with a wrong token");
            assertEquals(unsigned, relay.counter("tito_webhooks_rejected_total", "reason=\"signature-missing\""));
            assertEquals(wrongToken, relay.counter("tito_webhooks_rejected_total", "reason=\"signature-mismatch\""));

            // Once the interval has passed since its line, the next refusal for that reason gets one, with the count.
            long waitMs = intervalMs + 100 - (System.nanoTime() - firstAnswered) / 1_000_000;
            Thread.sleep(Math.max(0, waitMs));
            assertEquals(401, unsignedRequest.send(relay.port()).status());
            List<String> lines = refusalLines(log, "401 signature-missing");
            assertEquals(2, lines.size(), String.join("\n", lines));
            assertTrue(lines.get(1).contains("and " + (unsigned - 1) + " more for this reason"), lines.get(1));
        }
    }

    private static List<String> refusalLines(LogCapture log, String statusAndReason) {
        return log.rawLines().stream().filter(line -> line.contains("Refused a webhook (" + statusAndReason + ")")).toList();
    }
}
