package titorelay.durability;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Function;
import java.util.stream.Collectors;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import titorelay.inbox.InboxEnvelope;
import titorelay.inbox.InboxJournal;
import titorelay.support.AuditedRoutes;
import titorelay.support.DeliveryKeys;
import titorelay.support.RelayProcess;
import titorelay.support.Samples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static titorelay.support.TestRelay.await;
import static titorelay.support.TestRelay.uncheck;

/**
 * A 202 is a promise: the relay runs as its own JVM, is killed with SIGKILL right after answering, and every
 * acknowledged delivery is still dispatched after the restart (every intact one, if its journal was damaged).
 */
class CrashRecoveryTest {

    private static final Duration PATIENCE = Duration.ofSeconds(60);

    @TempDir
    Path work;

    /** A delivery as sent: its name, body and the key the relay dedupes it by. */
    private record Sent(String name, byte[] body) {
        String key() {
            return DeliveryKeys.key(name, body);
        }
    }

    private static List<Sent> distinctTickets(int count) {
        String ticket = new String(Samples.bytes("ticket-v3.1.json"), StandardCharsets.UTF_8);
        List<Sent> sent = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            byte[] body = ticket.replaceFirst("\\{", "{\"crash_test_sequence\": " + i + ",").getBytes(StandardCharsets.UTF_8);
            sent.add(new Sent(i % 3 == 0 ? "ticket.updated" : "ticket.completed", body));
        }
        return sent;
    }

    /** Sends concurrently, as Tito does, and returns the deliveries that were answered 2xx. */
    private static List<Sent> sendAll(RelayProcess relay, List<Sent> deliveries) throws Exception {
        ExecutorService senders = Executors.newFixedThreadPool(8);
        try {
            List<Future<Sent>> answers = new ArrayList<>();
            for (Sent delivery : deliveries) {
                answers.add(senders.submit(() -> {
                    int status = relay.send(delivery.name(), delivery.body()).status();
                    return status / 100 == 2 ? delivery : null;
                }));
            }
            List<Sent> acknowledged = new ArrayList<>();
            for (Future<Sent> answer : answers) {
                Sent delivery = answer.get();
                if (delivery != null) {
                    acknowledged.add(delivery);
                }
            }
            return acknowledged;
        } finally {
            senders.shutdownNow();
        }
    }

    /** The relay, with an audit sink after every name's sinks (what a user who adds an endpoint would see). */
    private RelayProcess start(Path dataDir, String run, Map<String, String> settings) throws Exception {
        Map<String, String> all = new HashMap<>(settings);
        all.putAll(audited);
        return RelayProcess.start(dataDir, run, all);
    }

    private Map<String, String> audited;

    @BeforeEach
    void auditedRoutes() throws IOException {
        audited = AuditedRoutes.install(work.resolve("routes"));
    }

    /** The keys of the deliveries that went through their sinks, in order, as often as they did. */
    private static List<String> dispatchedKeys(Path dataDir) throws IOException {
        return AuditedRoutes.dispatched(dataDir);
    }

    /** Deliveries waiting in the inbox journal after dispatch's saved position (read from the files, as a person can). */
    private static long inboxSize(Path dataDir) throws IOException {
        return InboxJournal.waitingIn(dataDir.resolve("inbox-journal")).size();
    }

    @Test
    void everyAcknowledgedDeliveryIsDispatchedExactlyOnceAfterSigkill() throws Exception {
        Path dataDir = work.resolve("data");
        List<Sent> deliveries = distinctTickets(200);

        // Run 1 only stores (dispatch off), so every acknowledged delivery is still waiting in the journal at the kill.
        RelayProcess first = start(dataDir, "run1", Map.of("relay.dispatch.auto-start", "false"));
        List<Sent> acknowledged = sendAll(first, deliveries);
        assertEquals(RelayProcess.KILLED_BY_SIGKILL, first.kill(), "the kill landed on a running relay");
        assertEquals(deliveries.size(), acknowledged.size(), "a healthy relay acknowledges every valid webhook");
        System.out.printf("Killed with %d of %d acknowledged deliveries in the inbox%n", inboxSize(dataDir), acknowledged.size());

        try (RelayProcess second = start(dataDir, "run2", Map.of())) {
            await("the inbox to drain", PATIENCE, () -> uncheck(() -> inboxSize(dataDir) == 0));
            await("every delivery dispatched", PATIENCE,
                    () -> uncheck(() -> dispatchedKeys(dataDir).size() >= acknowledged.size()));
            Map<String, Long> counts = countByKey(dispatchedKeys(dataDir));
            assertEquals(acknowledged.stream().map(Sent::key).collect(Collectors.toSet()), counts.keySet());
            assertTrue(counts.values().stream().allMatch(n -> n == 1), "each exactly once: " + counts);

            // Tito retrying after the crash: the same bytes again change nothing.
            double repeatsBefore = second.metric("tito_webhooks_duplicates_total");
            List<Sent> retried = sendAll(second, acknowledged.subList(0, 50));
            assertEquals(50, retried.size(), "repeats are still answered 2xx");
            await("the repeats to be dropped", PATIENCE,
                    () -> uncheck(() -> second.metric("tito_webhooks_duplicates_total") == repeatsBefore + 50));
            await("the inbox to drain", PATIENCE, () -> uncheck(() -> inboxSize(dataDir) == 0));
            assertEquals(acknowledged.size(), dispatchedKeys(dataDir).size(), "no repeat reached a sink");
        }
    }

    @Test
    void aPowerCutThatLosesDispatchsPositionDispatchesNothingTwice() throws Exception {
        Path dataDir = work.resolve("data");
        List<Sent> deliveries = distinctTickets(200);

        RelayProcess first = start(dataDir, "run1", Map.of());
        List<Sent> acknowledged = sendAll(first, deliveries);
        await("every delivery dispatched", PATIENCE,
                () -> uncheck(() -> dispatchedKeys(dataDir).size() >= acknowledged.size()));
        // The audit sink is the last sink, not the last step: each delivery is done (remembered, and the position
        // saved past it) a moment later. A kill before that is aKillWhileDispatchingLosesNothing's case, not this one.
        await("the position saved past every delivery", PATIENCE, () -> uncheck(() -> inboxSize(dataDir) == 0));
        assertEquals(RelayProcess.KILLED_BY_SIGKILL, first.kill(), "the kill landed on a running relay");
        // The position is renamed into place without an fsync: after a power cut it may be gone, or empty.
        Path position = dataDir.resolve("inbox-journal").resolve("dispatch.position");
        assertTrue(Files.exists(position), "run 1 saved a position");
        Files.write(position, new byte[0]);

        try (RelayProcess second = start(dataDir, "run2", Map.of())) {
            // A later delivery, dispatched in order after whatever the journal still held from run 1.
            Sent sentinel = distinctTickets(201).get(200);
            assertEquals(202, second.send(sentinel.name(), sentinel.body()).status());
            await("the sentinel dispatched", PATIENCE,
                    () -> uncheck(() -> dispatchedKeys(dataDir).contains(sentinel.key())));
            await("the position saved past it", PATIENCE, () -> uncheck(() -> inboxSize(dataDir) == 0));
            Map<String, Long> counts = countByKey(dispatchedKeys(dataDir));
            assertEquals(acknowledged.size() + 1, counts.size(), "every delivery and the sentinel");
            assertTrue(counts.values().stream().allMatch(n -> n == 1), "each exactly once: " + counts);
        }
    }

    @Test
    void aKillWhileDispatchingLosesNothing() throws Exception {
        Path dataDir = work.resolve("data");
        List<Sent> deliveries = distinctTickets(300);

        RelayProcess first = start(dataDir, "run1", Map.of());
        List<Sent> acknowledged = sendAll(first, deliveries);
        assertEquals(deliveries.size(), acknowledged.size());
        await("dispatch under way", PATIENCE, () -> uncheck(() -> !dispatchedKeys(dataDir).isEmpty()));
        assertEquals(RelayProcess.KILLED_BY_SIGKILL, first.kill(), "the kill landed on a running relay");
        int dispatchedBeforeTheKill = dispatchedKeys(dataDir).size();
        System.out.printf("Killed with %d deliveries dispatched and %d still in the inbox%n",
                dispatchedBeforeTheKill, inboxSize(dataDir));
        assertTrue(dispatchedBeforeTheKill < acknowledged.size(), "the kill landed while dispatching");

        try (RelayProcess second = start(dataDir, "run2", Map.of())) {
            await("the inbox to drain", PATIENCE, () -> uncheck(() -> inboxSize(dataDir) == 0));
            await("every delivery dispatched", PATIENCE, () -> uncheck(
                    () -> countByKey(dispatchedKeys(dataDir)).keySet().size() >= acknowledged.size()));
            Map<String, Long> counts = countByKey(dispatchedKeys(dataDir));
            assertEquals(acknowledged.stream().map(Sent::key).collect(Collectors.toSet()), counts.keySet(),
                    "no acknowledged delivery is lost");
            // Only the delivery being dispatched at the instant of the kill can have reached its sinks (the audit sink
            // last) without being recorded as done; the sinks themselves are idempotent.
            long twice = counts.values().stream().filter(n -> n > 1).count();
            assertTrue(twice <= 1, "at most the one in flight at the kill is repeated: " + twice);
        }
    }

    @Test
    void damageInTheMiddleOfTheJournalLosesOnlyTheDamagedDeliveriesAndIsReported() throws Exception {
        Path dataDir = work.resolve("data");
        List<Sent> deliveries = distinctTickets(40);
        RelayProcess first = start(dataDir, "run1", Map.of("relay.dispatch.auto-start", "false"));
        for (Sent delivery : deliveries) { // one at a time: the journal holds them in this order
            assertEquals(202, first.send(delivery.name(), delivery.body()).status());
        }
        assertEquals(RelayProcess.KILLED_BY_SIGKILL, first.kill(), "the kill landed on a running relay");
        // Every delivery comes from the journal, where a byte of one record's body flipped, and a 4 KiB disk block
        // further on reads back as zeros.
        Path segment;
        try (var files = Files.list(dataDir.resolve("inbox-journal"))) {
            segment = files.filter(f -> f.toString().endsWith(".journal")).findFirst().orElseThrow();
        }
        List<JournalRecord> records = records(segment);
        assertEquals(deliveries.size(), records.size());
        JournalRecord flipped = records.get(5);
        long flippedAt = flipped.end() - 100;
        byte[] one = {(byte) (Files.readAllBytes(segment)[(int) flippedAt] ^ 0x01)};
        overwrite(segment, flippedAt, one);
        long blockStart = (records.get(20).start() / 4096 + 1) * 4096;
        List<JournalRecord> zeroed = records.stream().filter(r -> r.start() < blockStart + 4096 && r.end() > blockStart).toList();
        assertTrue(zeroed.size() >= 2 && zeroed.get(0).start() < blockStart, "the block spans records: " + zeroed.size());
        overwrite(segment, blockStart, new byte[4096]);
        List<JournalRecord> damaged = new ArrayList<>(zeroed);
        damaged.add(flipped);
        List<String> intact = records.stream().filter(r -> !damaged.contains(r)).map(JournalRecord::key).toList();

        try (RelayProcess second = start(dataDir, "run2", Map.of())) {
            await("every intact delivery dispatched", PATIENCE,
                    () -> uncheck(() -> dispatchedKeys(dataDir).containsAll(intact)));
            Sent sentinel = distinctTickets(41).get(40);
            assertEquals(202, second.send(sentinel.name(), sentinel.body()).status());
            await("a later delivery dispatched", PATIENCE, () -> uncheck(() -> dispatchedKeys(dataDir).contains(sentinel.key())));
            List<String> expected = new ArrayList<>(intact);
            expected.add(sentinel.key());
            assertEquals(expected, dispatchedKeys(dataDir), "every intact delivery once, in order; none of the damaged");

            List<String> errors = second.logLines().stream()
                    .filter(line -> line.contains("ERROR titorelay.inbox.JournalDamage") && line.contains("is damaged")).toList();
            assertEquals(2, errors.size(), "one ERROR line for each damaged place: " + errors);
            assertTrue(errors.get(0).contains("about 1 acknowledged"), errors.get(0));
            assertTrue(errors.get(1).contains("about " + zeroed.size() + " acknowledged"), errors.get(1));
            assertEquals(flipped.end() - flipped.start() + zeroed.get(zeroed.size() - 1).end() - zeroed.get(0).start(),
                    second.metric("tito_inbox_journal_damaged_bytes_total"));
            assertEquals(1 + zeroed.size(), second.metric("tito_inbox_journal_damaged_records_total"));
            Path kept = dataDir.resolve("inbox-journal").resolve("damaged").resolve(segment.getFileName());
            await("the damaged segment kept aside once its deliveries are done", PATIENCE,
                    () -> Files.exists(kept) && !Files.exists(segment));
        }
    }

    /** A record of an inbox journal segment: where it lies, and the key of the delivery it holds. */
    private record JournalRecord(long start, long end, String key) {
    }

    /**
     * The records of a segment, read by the record format: magic "TITO", name length, envelope length, name,
     * envelope, an 8-byte CRC; zeros follow the last one.
     */
    private static List<JournalRecord> records(Path segment) throws IOException {
        ByteBuffer bytes = ByteBuffer.wrap(Files.readAllBytes(segment));
        List<JournalRecord> records = new ArrayList<>();
        for (int start = 0; start + 12 <= bytes.limit() && bytes.getInt(start) == 0x5449544F; ) {
            int nameBytes = bytes.getInt(start + 4);
            byte[] envelope = Arrays.copyOfRange(bytes.array(), start + 12 + nameBytes, start + 12 + nameBytes + bytes.getInt(start + 8));
            int end = start + 12 + nameBytes + envelope.length + 8;
            InboxEnvelope parsed = InboxEnvelope.parse(envelope);
            records.add(new JournalRecord(start, end, DeliveryKeys.key(parsed.field(InboxEnvelope.WEBHOOK_NAME), parsed.body())));
            start = end;
        }
        return records;
    }

    private static void overwrite(Path file, long position, byte[] bytes) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
            channel.write(ByteBuffer.wrap(bytes), position);
        }
    }

    private static Map<String, Long> countByKey(List<String> keys) {
        return keys.stream().collect(Collectors.groupingBy(Function.identity(), Collectors.counting()));
    }
}
