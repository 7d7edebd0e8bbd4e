package titorelay.kafka;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import titorelay.support.KafkaBroker;
import titorelay.support.LogCapture;
import titorelay.support.RawHttp;
import titorelay.support.TestRelay;
import titorelay.support.Tickets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * With relay.inbox.kind=kafka, a webhook the broker cannot acknowledge is answered 503 with Retry-After within
 * relay.kafka.ack-timeout-ms, as a full disk is with the journal, and is not in the topic; sent again once the
 * broker is back, it is stored once.
 */
class KafkaBrokerDownTest {

    private static final long ACK_TIMEOUT_MS = 2000;

    @RegisterExtension
    static final KafkaBroker broker = new KafkaBroker();

    @TempDir
    Path data;

    @Test
    void aWebhookWhileTheBrokerIsDownIs503AndStoredOnceWhenSentAgain() throws Exception {
        byte[] before = Tickets.ticket("ti_before", "complete", "Before Down", "2026-11-27 10:00:00 UTC");
        byte[] whileDown = Tickets.ticket("ti_while_down", "complete", "While Down", "2026-11-27 10:01:00 UTC");
        broker.createTopic("broker-down", 3);
        try (TestRelay relay = TestRelay.start(data, settings("broker-down", Map.of()))) {
            assertEquals(202, relay.send("ticket.updated", before).status());

            broker.stopBroker();
            long sent = System.nanoTime();
            RawHttp.Answer refused = relay.send("ticket.updated", whileDown);
            long waitedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - sent);
            assertEquals(503, refused.status(), refused.raw());
            assertEquals("30", refused.header("Retry-After"));
            assertTrue(waitedMs < ACK_TIMEOUT_MS + 3000, "answered within the bound: " + waitedMs + " ms");

            broker.startBroker();
            assertEquals(Map.of(body(before), 1), bodiesIn(broker.records("broker-down")),
                    "the webhook answered 503 is not in the topic");
            RawHttp.Answer again = sendUntilStored(relay, whileDown);
            assertEquals(202, again.status(), again.raw());
            assertEquals(Map.of(body(before), 1, body(whileDown), 1), bodiesIn(broker.records("broker-down")),
                    "each in the topic once");
        }
    }

    @Test
    void theSecuritySettingsReachTheClientAndTheirSecretsAreNotLogged() throws Exception {
        String secret = "Kafka-s3cret-9f1c-never-logged";
        byte[] ticket = Tickets.ticket("ti_secure", "complete", "Secure Person", "2026-11-27 10:00:00 UTC");
        broker.createTopic("secure", 3);
        try (LogCapture log = new LogCapture()) {
            // SSL to a plaintext listener: no acknowledgement ever comes, which shows the setting reached the client.
            Map<String, String> ssl = Map.of("relay.kafka.security.security.protocol", "SSL",
                    "relay.kafka.security.sasl.jaas.config",
                    "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"relay\" password=\""
                    + secret + "\";");
            try (TestRelay relay = TestRelay.start(data, settings("secure", ssl))) {
                RawHttp.Answer refused = relay.send("ticket.updated", ticket);
                assertEquals(503, refused.status(), refused.raw());
            }
            assertEquals(Map.of(), bodiesIn(broker.records("secure")));
            String lines = String.join("\n", log.lines());
            assertTrue(lines.contains("relay.inbox.kind = kafka"), "Camel printed its summary");
            assertFalse(lines.contains(secret), lines);
        }
    }

    /** As Tito would: again after a 503, here at once, until the producer has found the broker again. */
    private static RawHttp.Answer sendUntilStored(TestRelay relay, byte[] body) throws Exception {
        RawHttp.Answer answer = relay.send("ticket.updated", body);
        for (int tries = 1; answer.status() == 503 && tries < 5; tries++) {
            answer = relay.send("ticket.updated", body);
        }
        return answer;
    }

    private static Map<String, String> settings(String topic, Map<String, String> more) {
        Map<String, String> settings = new HashMap<>(Map.of("relay.inbox.kind", "kafka",
                "relay.kafka.brokers", broker.bootstrapServers(), "relay.kafka.topic", topic,
                "relay.dispatch.auto-start", "false",
                "relay.kafka.ack-timeout-ms", String.valueOf(ACK_TIMEOUT_MS)));
        settings.putAll(more);
        return settings;
    }

    private static Map<String, Integer> bodiesIn(List<ConsumerRecord<String, byte[]>> records) {
        Map<String, Integer> copies = new HashMap<>();
        for (ConsumerRecord<String, byte[]> record : records) {
            String value = new String(record.value(), StandardCharsets.UTF_8);
            copies.merge(value.substring(value.indexOf("\n\n") + 2), 1, Integer::sum);
        }
        return copies;
    }

    private static String body(byte[] body) {
        return new String(body, StandardCharsets.UTF_8);
    }
}
