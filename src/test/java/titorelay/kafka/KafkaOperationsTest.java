package titorelay.kafka;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.apache.camel.builder.AdviceWith;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import titorelay.support.KafkaBroker;
import titorelay.support.TestRelay;
import titorelay.support.Tickets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static titorelay.support.TestRelay.await;

/**
 * With relay.inbox.kind=kafka, the inbox health check shows the broker connection (DOWN with what to fix while the
 * broker is stopped, UP naming it when it is back, never a secret) and the consumer lag, with the partitions this
 * relay dispatches; the lag per partition is exported as a metric.
 */
class KafkaOperationsTest {

    private static final long CHECK_INTERVAL_MS = 1000;
    private static final Duration PATIENCE = Duration.ofSeconds(30);
    private static final String SECRET = "Kafka-health-s3cret-never-shown";

    @RegisterExtension
    static final KafkaBroker broker = new KafkaBroker();

    @TempDir
    Path data;

    @Test
    void theInboxCheckIsDownWithWhatToFixWhileTheBrokerIsStoppedAndUpNamingItWhenBack() throws Exception {
        broker.createTopic("broker-health", 3);
        try (TestRelay relay = TestRelay.start(data, settings("broker-health"))) {
            await("UP naming the broker", PATIENCE, () -> inboxCheck(relay).contains("\"status\":\"UP\"")
                    && inboxCheck(relay).contains("Connected to the Kafka broker(s) " + broker.bootstrapServers()));
            assertFalse(relay.health().contains(SECRET), relay.health());

            broker.stopBroker();
            long stopped = System.nanoTime();
            try {
                await("DOWN", PATIENCE, () -> inboxCheck(relay).contains("\"status\":\"DOWN\""));
                long downAfterMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - stopped);
                // The next look begins within an interval and gives up after one more.
                assertTrue(downAfterMs < 2 * CHECK_INTERVAL_MS + 2000, "DOWN within the bound: " + downAfterMs + " ms");
                String down = inboxCheck(relay);
                assertTrue(down.contains("cannot reach the Kafka brokers at relay.kafka.brokers="
                                         + broker.bootstrapServers()), down);
                assertTrue(down.contains("check that the brokers run and that this host reaches them"), down);
                assertTrue(relay.health().startsWith("{\"status\":\"DOWN\""), relay.health());
                assertFalse(relay.health().contains(SECRET), relay.health());
            } finally {
                broker.startBroker();
            }
            await("UP again", PATIENCE, () -> inboxCheck(relay).contains("\"status\":\"UP\""));
        }
    }

    @Test
    void theInboxCheckShowsTheLagAndThePartitionsEachOfTwoRelaysDispatches() throws Exception {
        int webhooks = 4;
        broker.createTopic("lag-health", 3);
        try (TestRelay first = TestRelay.start(data.resolve("first"), settings("lag-health"));
             TestRelay second = TestRelay.start(data.resolve("second"), settings("lag-health"))) {
            await("the topic's partitions shared out between the two relays", PATIENCE, () -> {
                Set<Integer> firsts = owned(first);
                Set<Integer> seconds = owned(second);
                Set<Integer> both = new TreeSet<>(firsts);
                both.addAll(seconds);
                return !firsts.isEmpty() && !seconds.isEmpty() && firsts.size() + seconds.size() == 3
                       && both.equals(Set.of(0, 1, 2));
            });
            // The spreadsheets hold the deliveries until the test lets them go on, as a slow write would.
            CountDownLatch release = new CountDownLatch(1);
            for (TestRelay relay : List.of(first, second)) {
                AdviceWith.adviceWith(relay.camelContext(), "spreadsheet", route -> route.weaveAddFirst()
                        .process(exchange -> assertTrue(release.await(PATIENCE.toSeconds(), TimeUnit.SECONDS))));
            }
            try {
                for (int n = 1; n <= webhooks; n++) {
                    assertEquals(202, first.send("ticket.updated", Tickets.ticket("ti_health_" + n, "complete",
                            "Health Person " + n, "2026-11-27 10:00:00 UTC")).status());
                }
                // The group's lag: the same on either relay, whichever dispatches the webhooks' partition.
                for (TestRelay relay : List.of(first, second)) {
                    await("the lag: every webhook sent, none done", PATIENCE, () -> inboxCheck(relay)
                            .contains("Consumer lag (deliveries not yet dispatched): " + webhooks + " ("));
                }
            } finally {
                release.countDown();
            }
            for (TestRelay relay : List.of(first, second)) {
                await("no lag once dispatched", PATIENCE, () -> inboxCheck(relay)
                        .contains("Consumer lag (deliveries not yet dispatched): 0 ("));
            }
        }
    }

    /** The partitions the relay's inbox check says it dispatches. */
    private static Set<Integer> owned(TestRelay relay) {
        Matcher owned = Pattern.compile("This relay dispatches partitions: ([^(]*) \\(of 3\\)")
                .matcher(inboxCheck(relay));
        Set<Integer> partitions = new TreeSet<>();
        if (owned.find() && !owned.group(1).strip().equals("none")) {
            for (String partition : owned.group(1).split(",")) {
                partitions.add(Integer.parseInt(partition.strip()));
            }
        }
        return partitions;
    }

    @Test
    void theLagPerPartitionIsWhatIsNotDispatchedYetAndZeroOnceDispatched() throws Exception {
        int webhooks = 5;
        broker.createTopic("lag-metric", 3);
        Map<String, String> settings = settings("lag-metric");
        settings.put("relay.dispatch.auto-start", "false");
        try (TestRelay relay = TestRelay.start(data, settings)) {
            for (int n = 1; n <= webhooks; n++) {
                assertEquals(202, relay.send("ticket.updated", Tickets.ticket("ti_metric_" + n, "complete",
                        "Metric Person " + n, "2026-11-27 10:00:00 UTC")).status());
            }
            // What is waiting, read from the broker: each partition's records (dispatch has not started).
            Map<Integer, Integer> waiting = new TreeMap<>(Map.of(0, 0, 1, 0, 2, 0));
            broker.records("lag-metric").forEach(record -> waiting.merge(record.partition(), 1, Integer::sum));
            assertEquals(webhooks, waiting.values().stream().mapToInt(Integer::intValue).sum());
            await("the lag of each partition: its records", PATIENCE, () -> lagPerPartition(relay).equals(waiting));
            assertEquals(Map.of(0, 0.0, 1, 0.0, 2, 0.0), perPartition(relay, "tito_kafka_partition_owned"),
                    "dispatch stopped: this relay has no partition");

            relay.camelContext().getRouteController().startRoute("dispatch");
            relay.camelContext().getRouteController().startRoute("kafka-inbox");
            await("every row", PATIENCE, () -> rows(relay) == webhooks);
            await("no lag once dispatched", PATIENCE, () -> lagPerPartition(relay).equals(Map.of(0, 0, 1, 0, 2, 0)));
            await("every partition this relay's", PATIENCE, () -> perPartition(relay, "tito_kafka_partition_owned")
                    .equals(Map.of(0, 1.0, 1, 1.0, 2, 1.0)));
            assertTrue(relay.metrics().lines().anyMatch(line -> line.equals("tito_kafka_brokers_reachable 1.0")),
                    relay.metrics());
        }
    }

    private static Map<Integer, Integer> lagPerPartition(TestRelay relay) {
        Map<Integer, Integer> lag = new TreeMap<>();
        perPartition(relay, "tito_kafka_consumer_lag").forEach((partition, value) -> lag.put(partition, value.intValue()));
        return lag;
    }

    /** A metric's value for each partition="n" series. */
    private static Map<Integer, Double> perPartition(TestRelay relay, String metric) {
        Map<Integer, Double> values = new TreeMap<>();
        try {
            for (String line : relay.metrics().lines().filter(line -> line.startsWith(metric + "{")).toList()) {
                Matcher partition = Pattern.compile("partition=\"(\\d+)\"").matcher(line);
                assertTrue(partition.find(), line);
                values.put(Integer.parseInt(partition.group(1)),
                        Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)));
            }
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        return values;
    }

    private static long rows(TestRelay relay) {
        Path csv = relay.dataDir().resolve("sheets").resolve("Tickets.csv");
        try {
            return Files.exists(csv) ? Files.readAllLines(csv).stream().filter(line -> line.contains("ti_metric_")).count()
                    : 0;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Map<String, String> settings(String topic) {
        Map<String, String> settings = new HashMap<>(Map.of("relay.inbox.kind", "kafka",
                "relay.kafka.brokers", broker.bootstrapServers(), "relay.kafka.topic", topic,
                "relay.kafka.group-id", "relays-of-" + topic,
                "relay.kafka.check-interval-ms", String.valueOf(CHECK_INTERVAL_MS),
                "camel.health.exposure-level", "full",
                // Not used on a plaintext connection, but a secret all the same: never shown.
                "relay.kafka.security.sasl.jaas.config",
                "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"relay\" password=\""
                + SECRET + "\";"));
        return settings;
    }

    /** The inbox check's part of /observe/health (exposure full). */
    private static String inboxCheck(TestRelay relay) {
        try {
            return checkOf(relay.health(), "inbox");
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static String checkOf(String health, String name) {
        int at = health.indexOf("\"name\":\"" + name + "\"");
        if (at < 0) {
            return "";
        }
        int start = health.lastIndexOf('{', at);
        int end = health.indexOf('}', at);
        return health.substring(start, end + 1);
    }
}
