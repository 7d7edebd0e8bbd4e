package titorelay.kafka;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import titorelay.signature.TitoSignature;
import titorelay.support.KafkaBroker;
import titorelay.support.RawHttp;
import titorelay.support.TestRelay;
import titorelay.support.Tickets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A relay started while its broker cannot be reached has never fetched the topic's metadata, and the Kafka producer's
 * send waits for it (max.block.ms) on the thread that calls it, a worker of the webhook port. That wait is bounded by
 * relay.kafka.max-block-ms, not by the much longer relay.kafka.ack-timeout-ms: more webhooks at once than the port has
 * workers are each answered 503 at once, and a request behind them is not held up; once the broker is back, a webhook
 * sent again is stored.
 */
class KafkaUnreachableAtStartTest {

    private static final long ACK_TIMEOUT_MS = 20_000;
    /** More than the webhook port's worker threads (Vert.x's 20). */
    private static final int WEBHOOKS = 30;

    @RegisterExtension
    static final KafkaBroker broker = new KafkaBroker();

    @TempDir
    Path data;

    @Test
    void webhooksWhileTheBrokerWasNeverReachedAre503AtOnceAndHoldNoOtherRequestUp() throws Exception {
        broker.createTopic("never-reached", 3);
        broker.stopBroker();
        ExecutorService tito = Executors.newFixedThreadPool(WEBHOOKS);
        try (TestRelay relay = TestRelay.start(data, Map.of("relay.inbox.kind", "kafka",
                "relay.kafka.brokers", broker.bootstrapServers(), "relay.kafka.topic", "never-reached",
                "relay.dispatch.auto-start", "false", "relay.kafka.ack-timeout-ms", String.valueOf(ACK_TIMEOUT_MS)))) {
            CountDownLatch ready = new CountDownLatch(WEBHOOKS);
            List<Future<long[]>> answers = new ArrayList<>();
            for (int n = 0; n < WEBHOOKS; n++) {
                byte[] body = ticket(n);
                answers.add(tito.submit(() -> {
                    ready.countDown();
                    ready.await();
                    long sent = System.nanoTime();
                    RawHttp.Answer answer = relay.send("ticket.updated", body);
                    assertEquals("30", answer.header("Retry-After"), answer.raw());
                    return new long[] {answer.status(), TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - sent)};
                }));
            }
            ready.await();
            Thread.sleep(200); // the webhooks are in the relay
            long sent = System.nanoTime();
            byte[] body = ticket(WEBHOOKS);
            RawHttp.Answer forged = RawHttp.request("POST", "/webhooks/tito").header("Content-Type", "application/json")
                    .header("X-Webhook-Name", "ticket.updated")
                    .header("Tito-Signature", TitoSignature.sign("not-the-token", body)).body(body).send(relay.port());
            long forgedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - sent);
            assertEquals(401, forged.status(), forged.raw());
            assertTrue(forgedMs < 3000, "a request behind the webhooks answered within 3 s: " + forgedMs + " ms");
            for (Future<long[]> answer : answers) {
                long[] got = answer.get(ACK_TIMEOUT_MS * 3, TimeUnit.MILLISECONDS);
                assertEquals(503, got[0]);
                assertTrue(got[1] < 5000, "answered 503 within 5 s, not after the ack timeout: " + got[1] + " ms");
            }

            broker.startBroker();
            RawHttp.Answer stored = relay.send("ticket.updated", ticket(0));
            for (int tries = 1; stored.status() == 503 && tries < 20; tries++) {
                Thread.sleep(250);
                stored = relay.send("ticket.updated", ticket(0));
            }
            assertEquals(202, stored.status(), stored.raw());
            List<ConsumerRecord<String, byte[]>> records = broker.records("never-reached");
            assertEquals(1, records.size(), "only the webhook answered 202 is in the topic");
            assertTrue(new String(records.get(0).value(), StandardCharsets.UTF_8)
                    .endsWith(new String(ticket(0), StandardCharsets.UTF_8)));
        } finally {
            tito.shutdownNow();
        }
    }

    private static byte[] ticket(int n) {
        return Tickets.ticket("ti_unreached_" + n, "complete", "Unreached Person " + n, "2026-11-27 10:00:00 UTC");
    }
}
