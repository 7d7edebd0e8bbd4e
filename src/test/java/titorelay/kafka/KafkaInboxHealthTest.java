package titorelay.kafka;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

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
 * relay dispatches.
 */
class KafkaInboxHealthTest {

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
    void theInboxCheckShowsTheLagAndThePartitionsThisRelayDispatches() throws Exception {
        int webhooks = 4;
        broker.createTopic("lag-health", 3);
        try (TestRelay relay = TestRelay.start(data, settings("lag-health"))) {
            await("this relay given every partition", PATIENCE,
                    () -> inboxCheck(relay).contains("This relay dispatches partitions: 0, 1, 2 (of 3)"));
            // The spreadsheet holds the deliveries until the test lets them go on, as a slow write would.
            CountDownLatch release = new CountDownLatch(1);
            AdviceWith.adviceWith(relay.camelContext(), "spreadsheet", route -> route.weaveAddFirst()
                    .process(exchange -> assertTrue(release.await(PATIENCE.toSeconds(), TimeUnit.SECONDS))));
            try {
                for (int n = 1; n <= webhooks; n++) {
                    assertEquals(202, relay.send("ticket.updated", Tickets.ticket("ti_health_" + n, "complete",
                            "Health Person " + n, "2026-11-27 10:00:00 UTC")).status());
                }
                await("the lag: every webhook sent, none done", PATIENCE, () -> inboxCheck(relay)
                        .contains("Consumer lag (deliveries not yet dispatched): " + webhooks + " ("));
            } finally {
                release.countDown();
            }
            await("no lag once dispatched", PATIENCE, () -> inboxCheck(relay)
                    .contains("Consumer lag (deliveries not yet dispatched): 0 ("));
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
