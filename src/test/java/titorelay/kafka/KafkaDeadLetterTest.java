package titorelay.kafka;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

import org.apache.camel.builder.AdviceWith;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import titorelay.inbox.DeadLetterFiles;
import titorelay.support.KafkaBroker;
import titorelay.support.TestRelay;
import titorelay.support.Tickets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static titorelay.support.TestRelay.await;

/**
 * Dead letters with relay.inbox.kind=kafka: a replayed dead letter (moved into data/inbox/, as the DeadLetters tool
 * and the console's Replay do) goes to the inbox topic, under its name, and is dispatched from there to its row;
 * nothing is kept in an inbox journal. One that cannot be kept makes health DOWN until it is.
 */
class KafkaDeadLetterTest {

    private static final Duration PATIENCE = Duration.ofSeconds(30);

    @RegisterExtension
    static final KafkaBroker broker = KafkaBroker.shared();

    @TempDir
    Path data;

    @Test
    void aReplayedDeadLetterGoesThroughTheTopicToItsRow() throws Exception {
        broker.createTopic("replays", 3);
        byte[] body = Tickets.ticket("ti_replayed", "complete", "Replayed Person", "2026-11-27 10:00:00 UTC");
        AtomicBoolean sheetDown = new AtomicBoolean(true);
        try (TestRelay relay = TestRelay.start(data, Map.of("relay.inbox.kind", "kafka",
                "relay.kafka.brokers", broker.bootstrapServers(), "relay.kafka.topic", "replays",
                "relay.kafka.group-id", "relays-of-replays", "relay.dispatch.max-redeliveries", "0"))) {
            AdviceWith.adviceWith(relay.camelContext(), "spreadsheet", route -> route.weaveAddFirst().process(exchange -> {
                if (sheetDown.get()) {
                    throw new IllegalStateException("the sheet is down");
                }
            }));
            assertEquals(202, relay.send("ticket.updated", body).status());
            await("the dead letter", PATIENCE, () -> relay.deadLetters().size() == 1);
            String deadLetter = relay.deadLetters().get(0).getFileName().toString();
            assertEquals(0, rows(relay), "no row while the sheet is down");

            sheetDown.set(false);
            List<DeadLetterFiles.DeadLetter> replayed = DeadLetterFiles.replay(data, DeadLetterFiles.list(data));
            assertEquals(1, replayed.size());
            await("the row, from the replay", PATIENCE, () -> rows(relay) == 1);
            assertEquals(List.of(), relay.deadLetters(), "the dead letter replayed, not kept again");

            List<ConsumerRecord<String, byte[]>> records = broker.records("replays");
            assertEquals(2, records.size(), "the webhook, then its replay, in the topic");
            ConsumerRecord<String, byte[]> replay = records.get(1);
            assertTrue(new String(replay.value(), StandardCharsets.UTF_8).endsWith(new String(body, StandardCharsets.UTF_8)),
                    "the webhook's bytes whole");
            assertEquals(deadLetter, new String(replay.headers().lastHeader("Tito-Delivery-Name").value(),
                    StandardCharsets.UTF_8), "under the dead letter's name");
            assertEquals(List.of(), TestRelay.files(data.resolve("inbox")), "taken from data/inbox");
            assertEquals(List.of(), TestRelay.files(data.resolve("inbox-journal")), "nothing in an inbox journal");
        }
    }

    @Test
    void aDeadLetterThatCannotBeKeptIsDownInHealthUntilItIsKept() throws Exception {
        broker.createTopic("not-kept", 3);
        Files.createDirectories(data);
        // A regular file where the dead-letter directory should be: no dead letter can be written (not even by root).
        Path deadLetters = data.resolve("dead-letters");
        Files.writeString(deadLetters, "in the way\n");
        try (TestRelay relay = TestRelay.start(data, Map.of("relay.inbox.kind", "kafka",
                "relay.kafka.brokers", broker.bootstrapServers(), "relay.kafka.topic", "not-kept",
                "relay.kafka.group-id", "relays-of-not-kept", "relay.dispatch.max-redeliveries", "0",
                "relay.dispatch.redelivery-delay-ms", "300", "camel.health.exposure-level", "full"))) {
            AdviceWith.adviceWith(relay.camelContext(), "spreadsheet", route -> route.weaveAddFirst().process(exchange -> {
                throw new IllegalStateException("the sheet is down");
            }));
            assertEquals(202, relay.send("ticket.updated", Tickets.ticket("ti_not_kept", "complete", "Not Kept",
                    "2026-11-27 10:00:00 UTC")).status());
            await("health DOWN: the dead letter cannot be kept", PATIENCE, () -> health(relay)
                    .contains("cannot be kept as dead letters"));
            assertTrue(health(relay).startsWith("{\"status\":\"DOWN\""), health(relay));

            Files.delete(deadLetters);
            await("the dead letter kept", PATIENCE, () -> relay.deadLetters().size() == 1);
            await("no longer DOWN for it", PATIENCE, () -> !health(relay).contains("cannot be kept as dead letters")
                    && health(relay).contains("1 dead letter(s)"));
        }
    }

    private static String health(TestRelay relay) {
        try {
            return relay.health();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static long rows(TestRelay relay) {
        Path csv = relay.dataDir().resolve("sheets").resolve("Tickets.csv");
        try {
            return Files.exists(csv) ? Files.readAllLines(csv).stream().filter(line -> line.contains("ti_replayed"))
                    .count() : 0;
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
