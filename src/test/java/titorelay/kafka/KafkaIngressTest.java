package titorelay.kafka;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
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
import titorelay.support.KafkaBroker;
import titorelay.support.RawHttp;
import titorelay.support.TestRelay;
import titorelay.support.Tickets;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * With relay.inbox.kind=kafka, a webhook is answered 202 once a real broker has it in the inbox topic, as the same
 * envelope the journal would have kept; webhooks arriving together share the producer's requests to the broker.
 */
class KafkaIngressTest {

    @RegisterExtension
    static final KafkaBroker broker = KafkaBroker.shared();

    @TempDir
    Path data;

    @Test
    void aWebhookIsAnswered202WithItsEnvelopeInTheTopic() throws Exception {
        broker.createTopic("one-webhook", 3);
        byte[] body = Tickets.ticket("ti_kafka_one", "complete", "Kafka Person", "2026-11-27 10:00:00 UTC");
        Map<String, String> settings = new HashMap<>(kafkaInbox("one-webhook"));
        settings.put("camel.health.exposure-level", "full");
        try (TestRelay relay = TestRelay.start(data, settings)) {
            assertTrue(relay.health().contains("Webhooks are kept in the Kafka topic one-webhook and dispatched from it "
                                               + "in the consumer group tito-relay"), relay.health());
            Instant before = Instant.now();
            RawHttp.Answer answer = relay.send("ticket.updated", body);
            Instant after = Instant.now();
            assertEquals(202, answer.status(), answer.raw());

            List<ConsumerRecord<String, byte[]>> records = broker.records("one-webhook");
            assertEquals(1, records.size(), "in the topic once");
            ConsumerRecord<String, byte[]> record = records.get(0);
            String value = new String(record.value(), StandardCharsets.UTF_8);
            // The inbox envelope: its fields, a blank line, then Tito's bytes untouched.
            String receivedAt = value.substring(value.indexOf("Received-At: ") + 13, value.indexOf("\n\n"));
            Instant received = Instant.parse(receivedAt);
            assertTrue(!received.isBefore(before.minusMillis(1)) && !received.isAfter(after), receivedAt);
            byte[] expected = concat(("X-Webhook-Name: ticket.updated\nReceived-At: " + receivedAt + "\n\n")
                    .getBytes(StandardCharsets.UTF_8), body);
            assertArrayEquals(expected, record.value(), value);
            // The spreadsheet's key (CSV here): every delivery of one spreadsheet through one partition.
            assertEquals("csv", record.key());
            String name = new String(record.headers().lastHeader("Tito-Delivery-Name").value(), StandardCharsets.UTF_8);
            assertTrue(name.matches("\\d{8}T\\d{6}\\.\\d{3}Z-\\d{9}-ticket\\.updated\\.webhook"), name);
            assertEquals(1, Arrays.stream(record.headers().toArray()).count(), "no header of the request copied");
            assertNull(relay.camelContext().getRegistry().lookupByName("inboxJournal"), "no inbox journal");
            assertFalse(relay.metrics().contains("tito_inbox_journal"), "no inbox journal metrics");
        }
    }

    @Test
    void sixtyWebhooksAtOnceAreEachInTheTopicOnceInFewerProduceRequests() throws Exception {
        int webhooks = 60;
        broker.createTopic("sixty-webhooks", 3);
        List<byte[]> bodies = new ArrayList<>();
        for (int n = 0; n < webhooks; n++) {
            bodies.add(Tickets.ticket("ti_kafka_" + n, "complete", "Person " + n, "2026-11-27 10:00:00 UTC"));
        }
        try (TestRelay relay = TestRelay.start(data, kafkaInbox("sixty-webhooks"))) {
            assertEquals(202, relay.send("ticket.updated", bodies.get(0)).status(), "the first, which fetches metadata");
            long requestsBefore = broker.produceRequests();
            ExecutorService tito = Executors.newFixedThreadPool(webhooks);
            CountDownLatch ready = new CountDownLatch(webhooks);
            List<Future<RawHttp.Answer>> answers = new ArrayList<>();
            try {
                for (byte[] body : bodies.subList(1, webhooks)) {
                    answers.add(tito.submit(() -> {
                        ready.countDown();
                        ready.await();
                        return relay.send("ticket.updated", body);
                    }));
                }
                ready.countDown();
                for (Future<RawHttp.Answer> answer : answers) {
                    RawHttp.Answer got = answer.get(30, TimeUnit.SECONDS);
                    assertEquals(202, got.status(), got.raw());
                }
            } finally {
                tito.shutdownNow();
            }
            long produceRequests = broker.produceRequests() - requestsBefore;
            System.out.printf("%d webhooks at once: %d produce requests%n", webhooks - 1, produceRequests);
            // Each produce request carried several of them (about 2.5 each when measured alone, 2 on busy cores).
            assertTrue(produceRequests < webhooks - 1, produceRequests + " produce requests for " + (webhooks - 1));

            Map<String, Integer> copies = new HashMap<>();
            for (ConsumerRecord<String, byte[]> record : broker.records("sixty-webhooks")) {
                String value = new String(record.value(), StandardCharsets.UTF_8);
                copies.merge(value.substring(value.indexOf("\n\n") + 2), 1, Integer::sum);
            }
            Map<String, Integer> once = new HashMap<>();
            bodies.forEach(body -> once.put(new String(body, StandardCharsets.UTF_8), 1));
            assertEquals(once, copies, "each webhook in the topic once");
        }
    }

    @Test
    void aMistypedInboxKindNoBrokersBadBoundsOrTheApiMirrorStopTheStartWithAClearError() {
        assertStartFails(Map.of("relay.inbox.kind", "kafak"), "relay.inbox.kind must be journal or kafka, not 'kafak'");
        assertStartFails(Map.of("relay.inbox.kind", "kafka"),
                "relay.inbox.kind=kafka needs relay.kafka.brokers (host:port,...)");
        assertStartFails(Map.of("relay.inbox.kind", "kafka", "relay.kafka.brokers", broker.bootstrapServers(),
                "relay.kafka.check-interval-ms", "0"), "relay.kafka.check-interval-ms must be at least 100, not 0");
        assertStartFails(Map.of("relay.inbox.kind", "kafka", "relay.kafka.brokers", broker.bootstrapServers(),
                "relay.kafka.max-block-ms", "-1"), "relay.kafka.max-block-ms must be at least 0, not -1");
        // The Admin API mirror writes the sheet outside the partition that makes one relay its only writer.
        assertStartFails(Map.of("relay.inbox.kind", "kafka", "relay.kafka.brokers", broker.bootstrapServers(),
                "tito.api-token", "secret-api-token"), "tito.api-token cannot be set with relay.inbox.kind=kafka");
    }

    private void assertStartFails(Map<String, String> settings, String message) {
        Exception refused = org.junit.jupiter.api.Assertions.assertThrows(Exception.class,
                () -> TestRelay.start(data, settings).close());
        StringBuilder causes = new StringBuilder();
        for (Throwable cause = refused; cause != null; cause = cause.getCause()) {
            causes.append(cause.getMessage()).append('\n');
        }
        assertTrue(causes.toString().contains(message), causes.toString());
    }

    static Map<String, String> kafkaInbox(String topic) {
        return Map.of("relay.inbox.kind", "kafka", "relay.kafka.brokers", broker.bootstrapServers(),
                "relay.kafka.topic", topic, "relay.dispatch.auto-start", "false");
    }

    private static byte[] concat(byte[] head, byte[] tail) {
        byte[] all = Arrays.copyOf(head, head.length + tail.length);
        System.arraycopy(tail, 0, all, head.length, tail.length);
        return all;
    }
}
