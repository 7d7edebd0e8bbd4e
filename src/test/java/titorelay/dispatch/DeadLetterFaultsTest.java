package titorelay.dispatch;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;

import org.apache.camel.builder.AdviceWith;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import titorelay.inbox.InboxEnvelope;
import titorelay.inbox.StoredDelivery;
import titorelay.inbox.RecordDeadLetter;
import titorelay.support.Samples;
import titorelay.support.TestRelay;
import titorelay.tools.DeadLetters;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static titorelay.support.TestRelay.await;

/** Nothing acknowledged leaves the inbox unless it was dispatched or durably kept as a dead letter. */
class DeadLetterFaultsTest {

    private static final Duration PATIENCE = Duration.ofSeconds(20);

    @TempDir
    Path work;

    /** Quick retries, and one journal segment per commit, so that a segment is retired as soon as it may be. */
    private static final Map<String, String> QUICK = Map.of(
            "relay.dispatch.max-redeliveries", "1",
            "relay.inbox.journal-segment-bytes", "1");

    private static final long REDELIVERY_DELAY_MS = 300;

    @Test
    void aDeadLetterThatCannotBeWrittenLeavesTheDeliveryInTheInboxAndHealthDown() throws Exception {
        Path data = Files.createDirectories(work.resolve("data"));
        // A regular file where the dead-letter directory should be: no write into it can succeed, not even as root
        // (a read-only directory would not stop root).
        Path deadLetters = data.resolve("dead-letters");
        Files.writeString(deadLetters, "in the way\n");
        AtomicBoolean sinkFails = new AtomicBoolean(true);
        byte[] body = Samples.bytes("ticket-basic.json");

        Map<String, String> settings = new HashMap<>(QUICK);
        settings.put("relay.dispatch.redelivery-delay-ms", String.valueOf(REDELIVERY_DELAY_MS));
        settings.put("camel.health.exposure-level", "full"); // health's message says what to fix, below
        try (TestRelay relay = TestRelay.start(data, settings)) {
            AdviceWith.adviceWith(relay.camelContext(), "spreadsheet", route -> route.weaveAddFirst()
                    .process(exchange -> {
                        if (sinkFails.get()) {
                            throw new IllegalStateException("the voided sink is down");
                        }
                    }));
            assertEquals(202, relay.send("ticket.voided", body).status());
            String inboxName = relay.inbox().get(0).name();

            // Each time the delivery fails every retry, dispatch tries to keep it as a dead letter, and cannot.
            await("two attempts to write the dead letter", PATIENCE, () -> exchanges(relay, "dead-letter") >= 2);
            assertTrue(Files.isRegularFile(deadLetters), "the dead-letter directory is still blocked");
            assertEquals("in the way\n", Files.readString(deadLetters), "nothing was written over it");
            assertEquals(List.of(inboxName), names(relay.inbox()), "the delivery is still in the inbox");
            assertArrayEquals(body, relay.inbox().get(0).open().body());
            assertTrue(journalHolds(data, body), "and in the inbox journal's file");
            // Taken again at the pace of its retries, not at every poll of the inbox.
            double attempts = exchanges(relay, "dead-letter");
            long start = System.nanoTime();
            await("three more attempts", PATIENCE, () -> exchanges(relay, "dead-letter") >= attempts + 3);
            assertTrue(System.nanoTime() - start >= Duration.ofMillis(2 * REDELIVERY_DELAY_MS).toNanos(),
                    "each attempt waits for its redelivery");
            assertEquals(List.of(inboxName), names(relay.inbox()), "the delivery is still in the inbox");
            String health = relay.health();
            assertTrue(health.contains("\"status\":\"DOWN\""), health);
            assertTrue(health.contains("cannot be kept as dead letters") && health.contains("Not a directory")
                       && health.contains("a writable directory"), "what happened and what to fix: " + health);

            // The directory can be written again: the delivery, still failing its sink, is now kept as a dead letter.
            Files.delete(deadLetters);
            await("the dead letter", PATIENCE, () -> relay.deadLetters().size() == 1);
            InboxEnvelope kept = InboxEnvelope.parse(Files.readAllBytes(relay.deadLetters().get(0)));
            assertArrayEquals(body, kept.body());
            assertEquals("IllegalStateException: the voided sink is down", kept.field(RecordDeadLetter.FAILURE));
            await("the inbox to be empty", PATIENCE, () -> relay.inbox().isEmpty());
            await("health UP again", PATIENCE, () -> TestRelay.uncheck(() -> relay.health().contains("\"status\":\"UP\"")));

            // Replayed with the sink back, it is dispatched once.
            sinkFails.set(false);
            double voided = exchanges(relay, "spreadsheet");
            assertEquals(0, DeadLetters.run(data, System.out, "replay"));
            await("the replayed delivery", PATIENCE, () -> exchanges(relay, "spreadsheet") == voided + 1);
            await("the inbox to drain", PATIENCE, () -> relay.inbox().isEmpty());
            assertEquals(List.of(), relay.deadLetters());
        }
    }

    @Test
    void aDeadLetterReplayedBeforeItsFailedDeliveryHasFinishedIsDispatched() throws Exception {
        Path data = Files.createDirectories(work.resolve("data"));
        AtomicBoolean sinkFails = new AtomicBoolean(true);
        AtomicReference<String> replayed = new AtomicReference<>();
        try (TestRelay relay = TestRelay.start(data, QUICK)) {
            AdviceWith.adviceWith(relay.camelContext(), "spreadsheet", route -> route.weaveAddFirst()
                    .process(exchange -> {
                        if (sinkFails.get()) {
                            throw new IllegalStateException("the voided sink is down");
                        }
                    }));
            // The sink is back and the dead letter replayed, under its name, before the failed delivery has finished.
            AdviceWith.adviceWith(relay.camelContext(), "dead-letter", route -> route.weaveAddLast()
                    .process(exchange -> {
                        sinkFails.set(false);
                        Path deadLetter = relay.deadLetters().get(0);
                        replayed.set(deadLetter.getFileName().toString());
                        DeadLetters.run(data, System.out, "replay", deadLetter.toString());
                    }));
            assertEquals(202, relay.send("ticket.voided", Samples.bytes("ticket-basic.json")).status());

            // The sample ticket's row, written only once the delivery got through every sink.
            Path tickets = data.resolve("sheets/Tickets.csv");
            await("the replayed delivery in the sheet", PATIENCE, () -> TestRelay.uncheck(
                    () -> Files.exists(tickets) && Files.readString(tickets).contains("1i5nfwf2t24,")));
            await("the inbox to drain", PATIENCE, () -> relay.inbox().isEmpty());
            assertTrue(replayed.get() != null, "the dead letter was replayed");
            assertEquals(List.of(), relay.deadLetters());
        }
    }

    @Test
    void aGarbledInboxEntryBecomesADeadLetterWithTheReason() throws Exception {
        Path data = Files.createDirectories(work.resolve("data"));
        byte[] garbled = "X-Webhook-Name ticket.updated\n{\"half\": \"an envel".getBytes(StandardCharsets.UTF_8);
        assertThrows(IllegalArgumentException.class, () -> InboxEnvelope.parse(garbled), "the entry is not an envelope");

        try (TestRelay relay = TestRelay.start(data, QUICK)) {
            // Written aside, then moved in: dispatch reads no half-written file.
            Path inbox = data.resolve("inbox");
            Path aside = Files.write(work.resolve("garbled"), garbled);
            String name = "20261127T120000.000Z-000000001-ticket.updated.webhook";
            Files.move(aside, inbox.resolve(name), StandardCopyOption.ATOMIC_MOVE);

            await("the dead letter", PATIENCE, () -> relay.deadLetters().size() == 1);
            Path deadLetter = relay.deadLetters().get(0);
            assertEquals(name, deadLetter.getFileName().toString());
            InboxEnvelope kept = InboxEnvelope.parse(Files.readAllBytes(deadLetter));
            assertArrayEquals(garbled, kept.body(), "the entry's bytes, as they were");
            assertEquals("inbox", kept.field(RecordDeadLetter.FAILED_SINK));
            assertTrue(kept.field(RecordDeadLetter.FAILURE).contains("not an inbox envelope"), kept.field(RecordDeadLetter.FAILURE));
            await("the inbox to be empty", PATIENCE, () -> relay.inbox().isEmpty());

            ByteArrayOutputStream listed = new ByteArrayOutputStream();
            assertEquals(0, DeadLetters.run(data, new PrintStream(listed, true, StandardCharsets.UTF_8), "list"));
            String listing = listed.toString(StandardCharsets.UTF_8);
            assertTrue(listing.contains(name) && listing.contains("sink inbox") && listing.contains("not an inbox envelope"),
                    listing);
            ByteArrayOutputStream replayed = new ByteArrayOutputStream();
            DeadLetters.run(data, new PrintStream(replayed, true, StandardCharsets.UTF_8), "replay");
            assertTrue(replayed.toString(StandardCharsets.UTF_8).contains("Not replayed: " + name), replayed.toString());
            assertEquals(List.of(deadLetter), relay.deadLetters(), "it waits for a person to repair it");
        }
    }

    private static double exchanges(TestRelay relay, String routeId) {
        try {
            return relay.counter("camel_exchanges_total", "routeId=\"" + routeId + "\"");
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** Whether a journal segment still holds these bytes (its records carry each body as received). */
    private static boolean journalHolds(Path data, byte[] body) throws Exception {
        try (Stream<Path> segments = Files.list(data.resolve("inbox-journal"))) {
            for (Path segment : segments.toList()) {
                byte[] bytes = Files.readAllBytes(segment);
                for (int i = 0; i + body.length <= bytes.length; i++) {
                    if (Arrays.equals(bytes, i, i + body.length, body, 0, body.length)) {
                        return true;
                    }
                }
            }
        }
        return false;
    }

    @Test
    void journalHoldsFindsOnlyWhatIsThere() throws Exception {
        Path journal = Files.createDirectories(work.resolve("data/inbox-journal"));
        Files.write(journal.resolve("0.journal"), "head\nthe body\ntail".getBytes(StandardCharsets.UTF_8));
        assertTrue(journalHolds(work.resolve("data"), "the body".getBytes(StandardCharsets.UTF_8)));
        assertFalse(journalHolds(work.resolve("data"), "another".getBytes(StandardCharsets.UTF_8)));
    }

    private static List<String> names(List<StoredDelivery> deliveries) {
        return deliveries.stream().map(StoredDelivery::name).toList();
    }
}
