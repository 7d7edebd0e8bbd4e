package titorelay.kafka;

import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.apache.camel.builder.AdviceWith;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVRecord;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import titorelay.support.KafkaBroker;
import titorelay.support.RelayProcess;
import titorelay.support.TestRelay;
import titorelay.support.Tickets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static titorelay.support.TestRelay.await;

/**
 * With relay.inbox.kind=kafka, dispatch reads the inbox topic in a consumer group: a webhook ends as its row, and
 * the group's offset passes a delivery only once its row is written; a relay killed with deliveries not done leaves
 * them in the topic, and they are dispatched when a relay of the group (here the same, started again) takes them.
 */
class KafkaDispatchTest {

    private static final Duration PATIENCE = Duration.ofSeconds(30);

    @RegisterExtension
    static final KafkaBroker broker = KafkaBroker.shared();

    @TempDir
    Path work;

    @Test
    void aWebhookEndsAsARowAndItsOffsetIsCommittedOnlyOnceTheRowIsWritten() throws Exception {
        broker.createTopic("one-row", 3);
        try (TestRelay relay = TestRelay.start(work.resolve("relay"), settings("one-row", Map.of()))) {
            // The spreadsheet holds the delivery until the test lets it go on, as a slow write would.
            CountDownLatch reached = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            AdviceWith.adviceWith(relay.camelContext(), "spreadsheet", route -> route.weaveAddFirst().process(exchange -> {
                reached.countDown();
                assertTrue(release.await(PATIENCE.toSeconds(), TimeUnit.SECONDS));
            }));
            assertEquals(202, relay.send("ticket.updated", ticket(1)).status());
            try {
                assertTrue(reached.await(PATIENCE.toSeconds(), TimeUnit.SECONDS), "dispatch took the record");
                assertEquals(-1, committed("one-row"), "no offset committed while the delivery is not done");
                assertEquals(Map.of(), rowsOf(relay.dataDir()));
            } finally {
                release.countDown();
            }
            await("the row", PATIENCE, () -> rowsOf(relay.dataDir()).size() == 1);
            await("the offset after it committed", PATIENCE, () -> committed("one-row") == 1);
            assertEquals(Map.of(slug(1), 1), rowsOf(relay.dataDir()));
        }
    }

    @Test
    void aRelayKilledWithDeliveriesNotDoneLeavesThemToBeDispatchedOnceWhenItIsBack() throws Exception {
        int webhooks = 30;
        broker.createTopic("killed-relay", 3);
        Path data = work.resolve("relay");
        Map<String, String> settings = settings("killed-relay", Map.of("sheets.csv-flush-interval-ms", "1500"));
        try (RelayProcess first = RelayProcess.start(data, "first", settings)) {
            for (int n = 1; n <= webhooks / 2; n++) {
                assertEquals(202, first.send("ticket.updated", ticket(n)).status());
            }
            await("the first half's rows", PATIENCE, () -> rowsOf(data).size() == webhooks / 2);
            for (int n = webhooks / 2 + 1; n <= webhooks; n++) {
                assertEquals(202, first.send("ticket.updated", ticket(n)).status());
            }
            assertEquals(RelayProcess.KILLED_BY_SIGKILL, first.kill(), "killed before its next write");
        }
        long committedAtKill = committed("killed-relay");
        assertTrue(committedAtKill < webhooks, "deliveries not done were not committed: " + committedAtKill);
        assertTrue(rowsOf(data).size() < webhooks, "the killed relay had not written every row");

        try (TestRelay again = TestRelay.start(data, settings)) {
            Map<String, Integer> once = new TreeMap<>();
            for (int n = 1; n <= webhooks; n++) {
                once.put(slug(n), 1);
            }
            await("every row, once the group gave the relay its partitions back", PATIENCE,
                    () -> rowsOf(data).size() == webhooks);
            await("every offset committed", PATIENCE, () -> committed("killed-relay") == webhooks);
            assertEquals(once, rowsOf(data), "each row once");
        }
    }

    @Test
    void aDeliveryWhoseDeadLetterCannotBeKeptIsDispatchedAgainAndItsOffsetWaitsUntilItIsKept() throws Exception {
        broker.createTopic("dead-letter", 3);
        Path data = Files.createDirectories(work.resolve("relay"));
        // A regular file where the dead-letter directory should be: no dead letter can be written (not even by root).
        Path deadLetters = data.resolve("dead-letters");
        Files.writeString(deadLetters, "in the way\n");
        Map<String, String> settings = settings("dead-letter", Map.of("relay.dispatch.max-redeliveries", "1",
                "relay.dispatch.redelivery-delay-ms", "300"));
        try (TestRelay relay = TestRelay.start(data, settings)) {
            AdviceWith.adviceWith(relay.camelContext(), "spreadsheet", route -> route.weaveAddFirst().process(exchange -> {
                throw new IllegalStateException("the sheet is down");
            }));
            assertEquals(202, relay.send("ticket.updated", ticket(1)).status());
            await("three attempts to keep its dead letter", PATIENCE, () -> exchanges(relay, "dead-letter") >= 3);
            assertEquals(-1, committed("dead-letter"), "not committed while neither done nor kept");

            Files.delete(deadLetters);
            await("the dead letter", PATIENCE, () -> relay.deadLetters().size() == 1);
            await("the offset after it committed", PATIENCE, () -> committed("dead-letter") == 1);
            assertTrue(new String(Files.readAllBytes(relay.deadLetters().get(0)), StandardCharsets.UTF_8)
                    .endsWith(new String(ticket(1), StandardCharsets.UTF_8)), "the webhook kept whole");
        }
    }

    private static double exchanges(TestRelay relay, String routeId) {
        try {
            return relay.counter("camel_exchanges_total", "routeId=\"" + routeId + "\"");
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static Map<String, String> settings(String topic, Map<String, String> more) {
        Map<String, String> settings = new HashMap<>(Map.of("relay.inbox.kind", "kafka",
                "relay.kafka.brokers", broker.bootstrapServers(), "relay.kafka.topic", topic,
                "relay.kafka.group-id", group(topic),
                // A killed relay's partitions are given to the next one after 3 s without heartbeats (the test
                // broker allows sessions down to 1 s), as for the relays of SharedRelaySettings.
                "relay.kafka.session-timeout-ms", "3000"));
        settings.putAll(more);
        return settings;
    }

    /** Each test's relays in a group of their own. */
    private static String group(String topic) {
        return "relays-of-" + topic;
    }

    /** The group's committed offsets on the topic, added up over its partitions; -1 when none is committed. */
    private static long committed(String topic) {
        try (Admin admin = broker.admin()) {
            Map<org.apache.kafka.common.TopicPartition, OffsetAndMetadata> offsets = admin
                    .listConsumerGroupOffsets(group(topic)).partitionsToOffsetAndMetadata().get();
            return offsets.entrySet().stream().filter(entry -> entry.getKey().topic().equals(topic))
                    .mapToLong(entry -> entry.getValue().offset()).reduce(Long::sum).orElse(-1);
        } catch (Exception e) {
            throw new IllegalStateException("cannot read the group's offsets", e);
        }
    }

    private static byte[] ticket(int n) {
        return Tickets.ticket(slug(n), "complete", "Kafka Person " + n, "2026-11-27 10:00:00 UTC");
    }

    private static String slug(int n) {
        return String.format("ti_kafka_%03d", n);
    }

    /** How many rows of the Tickets tab carry each slug (the CSV sheet, read as a person's program would). */
    private static Map<String, Integer> rowsOf(Path dataDir) {
        Path csv = dataDir.resolve("sheets").resolve("Tickets.csv");
        Map<String, Integer> rows = new TreeMap<>();
        TestRelay.uncheck(() -> {
            if (Files.exists(csv)) {
                try (Reader reader = Files.newBufferedReader(csv, StandardCharsets.UTF_8)) {
                    for (CSVRecord record : CSVFormat.RFC4180.parse(reader)) {
                        for (String cell : record) {
                            if (cell.startsWith("ti_kafka_")) {
                                rows.merge(cell, 1, Integer::sum);
                            }
                        }
                    }
                }
            }
            return true;
        });
        return rows;
    }
}
