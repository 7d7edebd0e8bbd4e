package titorelay.ingress;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import titorelay.support.HeldRequest;
import titorelay.support.RawHttp;
import titorelay.support.RelayProcess;
import titorelay.support.TestRelay;
import titorelay.support.Tickets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The slow-body attack on the relay as it runs (its own JVM, -Xmx256m, the shipped limits): 300 connections each
 * declaring a 1 MiB body, sending all of it but the last byte, then going quiet. Without a bound on unverified bytes
 * each holds about 2 MiB of heap until the JVM runs out of memory. With it, the large bodies get their share of the
 * budget, the rest are answered 503 at once, Tito's webhooks keep getting 202 within a second, health stays UP, and
 * when the attackers' connections close everything they held is free again.
 */
@Tag("alone") // runs by itself, after the other tests: its webhooks must each be answered within a second
class SlowBodyAttackTest {

    private static final int ATTACKERS = 300;
    private static final int DECLARED = 1_048_576;
    /** application.properties: tito.max-unverified-large-bytes, which bodies of 1 MiB may hold together. */
    private static final long LARGE_SHARE = 16L * 1024 * 1024;
    private static final int RESETS = 20;

    @Test
    void heldLargeBodiesCannotWedgeTheRelay() throws Exception {
        // The idle timeout (tested on its own in WebhookPortLimitsTest) is longer than the attack here, so that every
        // attacker holds on until the attack ends.
        try (RelayProcess relay = RelayProcess.start(Files.createTempDirectory("slow-body"), "relay",
                Map.of("tito.idle-timeout-ms", "120000"))) {
            // Warm up first (class loading, the first journal segment): the first request's time says nothing about
            // the attack.
            for (int i = 0; i < 5; i++) {
                assertEquals(202, relay.send("ticket.updated", Tickets.ticket("ti_warm_" + i, "complete", "Warm",
                        "2022-03-26 08:00:00 UTC")).status());
            }
            long admitted = LARGE_SHARE / DECLARED;
            List<HeldRequest> attack = new ArrayList<>();
            double heapDuringAttack;
            long slowestMs = 0;
            ExecutorService attackers = Executors.newFixedThreadPool(32);
            try {
                List<Callable<HeldRequest>> connections = new ArrayList<>();
                for (int i = 0; i < ATTACKERS; i++) {
                    connections.add(() -> HeldRequest.open(relay.port(), DECLARED, DECLARED - 1));
                }
                for (Future<HeldRequest> connection : attackers.invokeAll(connections, 60, TimeUnit.SECONDS)) {
                    assertFalse(connection.isCancelled(), "an attacker could not even send its body within 60 s");
                    attack.add(connection.get());
                }

                // The attack landed: as many 1 MiB bodies as the large share holds are being received, the rest refused.
                // (The attackers' bytes may still sit in the kernel's socket buffers: wait until the relay read them.)
                TestRelay.await("every attacker to be taken or refused", Duration.ofSeconds(30),
                        () -> TestRelay.uncheck(() -> TestRelay.counterIn(relay.metrics(), "tito_webhooks_rejected_total",
                                "reason=\"unverified-bytes\"") >= ATTACKERS - admitted));
                String metrics = relay.metrics();
                assertEquals(LARGE_SHARE, TestRelay.gaugeIn(metrics, "tito_webhooks_unverified_bytes"), metrics);
                assertEquals(ATTACKERS - admitted,
                        TestRelay.counterIn(metrics, "tito_webhooks_rejected_total", "reason=\"unverified-bytes\""));

                // Tito's webhooks are still taken, each within a second, and health stays UP.
                for (int i = 0; i < 20; i++) {
                    byte[] ticket = Tickets.ticket("ti_attack_" + i, "complete", "Person " + i, "2022-03-26 08:00:00 UTC");
                    long start = System.nanoTime();
                    RawHttp.Answer answer = assertTimeoutPreemptively(Duration.ofSeconds(1),
                            () -> relay.send("ticket.updated", ticket));
                    assertEquals(202, answer.status(), answer.raw());
                    slowestMs = Math.max(slowestMs, (System.nanoTime() - start) / 1_000_000);
                }
                assertTrue(relay.health().contains("\"UP\""), relay.health());
                heapDuringAttack = TestRelay.gaugeIn(relay.metrics(), "jvm_memory_used_bytes{area=\"heap\"");

                // The attack ends: the attackers close their connections, and what they held is released.
                for (HeldRequest connection : attack) {
                    connection.close();
                }
                TestRelay.await("the unverified bytes to be released", Duration.ofSeconds(10),
                        () -> TestRelay.uncheck(() -> TestRelay.gaugeIn(relay.metrics(), "tito_webhooks_unverified_bytes") == 0));
                assertEquals(admitted, TestRelay.counterIn(relay.metrics(), "tito_webhooks_rejected_total",
                        "reason=\"body-incomplete\""));
            } finally {
                attackers.shutdownNow();
                for (HeldRequest connection : attack) {
                    connection.close();
                }
            }

            // Clients that reset their connection mid-body.
            double incompleteBefore = TestRelay.counterIn(relay.metrics(), "tito_webhooks_rejected_total",
                    "reason=\"body-incomplete\"");
            for (int i = 0; i < RESETS; i++) {
                try (HeldRequest reset = HeldRequest.open(relay.port(), 100_000, 1000)) {
                    assertNull(reset.answerOrClose(200), "taken, and being received");
                    reset.reset();
                }
            }
            TestRelay.await("the resets to be counted", Duration.ofSeconds(10), () -> TestRelay.uncheck(() ->
                    TestRelay.counterIn(relay.metrics(), "tito_webhooks_rejected_total", "reason=\"body-incomplete\"")
                    == incompleteBefore + RESETS));

            // Afterwards the relay takes the largest body it allows, and is healthy.
            byte[] large = largeTicket(DECLARED);
            RawHttp.Answer answer = assertTimeoutPreemptively(Duration.ofSeconds(5),
                    () -> relay.send("ticket.updated", large));
            assertEquals(202, answer.status(), answer.raw());
            assertTrue(relay.health().contains("\"UP\""), relay.health());
            assertTrue(relay.isAlive());
            System.out.printf("SlowBodyAttackTest: slowest webhook during the attack %d ms; heap used %.0f MiB while %d"
                              + " bodies of 1 MiB were held, %.0f MiB after%n", slowestMs, heapDuringAttack / (1 << 20), admitted,
                    TestRelay.gaugeIn(relay.metrics(), "jvm_memory_used_bytes{area=\"heap\"") / (1 << 20));
            List<String> log = relay.logLines();
            assertEquals(List.of(), log.stream().filter(line -> line.startsWith("\tat ") || line.contains(" ERROR ")).toList(),
                    "clients going away are no error of the relay's, and never a stack trace");
            assertEquals(admitted + RESETS, log.stream().filter(line -> line.contains("A webhook client's connection failed")).count(),
                    "one line for each client that went away");
        }
    }

    /** A ticket webhook padded to exactly {@code size} bytes with a field of spaces. */
    private static byte[] largeTicket(int size) {
        String ticket = new String(Tickets.ticket("ti_large", "complete", "Large", "2022-03-26 08:00:00 UTC"),
                StandardCharsets.UTF_8).strip();
        String head = ticket.substring(0, ticket.length() - 1) + ",\"padding\":\"";
        String tail = "\"}";
        char[] padding = new char[size - head.length() - tail.length()];
        Arrays.fill(padding, ' ');
        return (head + new String(padding) + tail).getBytes(StandardCharsets.UTF_8);
    }
}
