package titorelay.inbox;

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
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;

import org.apache.camel.support.processor.idempotent.MemoryIdempotentRepository;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static titorelay.support.TestRelay.await;
import static titorelay.support.TestRelay.uncheck;

/**
 * The inbox journal on its own, on real files: what a 202 relies on (group commit), what a restart restores after a
 * crash or a power cut, and how the inbox and the journal stay bounded.
 */
class InboxJournalTest {

    private static final Duration PATIENCE = Duration.ofSeconds(10);

    @TempDir
    Path data;

    private final MemoryIdempotentRepository deliveryLog = new MemoryIdempotentRepository();
    private final List<InboxJournal> started = new ArrayList<>();

    @AfterEach
    void stopJournals() throws Exception {
        for (InboxJournal journal : started) {
            journal.stop();
        }
    }

    private InboxJournal start(long segmentBytes, int maxFilesAhead) {
        InboxJournal journal = new InboxJournal(journalDir(), inbox(), deadLetters(), segmentBytes, maxFilesAhead, deliveryLog);
        journal.start();
        started.add(journal);
        return journal;
    }

    private Path journalDir() {
        return data.resolve("inbox-journal");
    }

    private Path inbox() {
        return data.resolve("inbox");
    }

    private Path deadLetters() {
        return data.resolve("dead-letters");
    }

    /** The n-th delivery: a file name that sorts in arrival order, and an envelope around a unique ticket body. */
    private static String fileName(int n) {
        return "20261126T185500.123Z-%09d-ticket.updated.webhook".formatted(n);
    }

    private static byte[] envelope(int n) {
        byte[] body = ("{\"slug\":\"ti_" + n + "\",\"state_name\":\"complete\"}").getBytes(StandardCharsets.UTF_8);
        return new InboxEnvelope(Map.of(InboxEnvelope.WEBHOOK_NAME, "ticket.updated",
                InboxEnvelope.RECEIVED_AT, "2026-11-26T18:55:00.123Z"), body).toBytes();
    }

    private List<String> inboxFiles() throws IOException {
        if (!Files.isDirectory(inbox())) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(inbox())) {
            return files.map(f -> f.getFileName().toString()).filter(f -> !f.startsWith(".")).sorted().toList();
        }
    }

    private List<Path> segmentFiles() throws IOException {
        try (Stream<Path> files = Files.list(journalDir())) {
            return files.filter(f -> f.toString().endsWith(".journal")).sorted().toList();
        }
    }

    private void awaitInbox(String what, int files) throws InterruptedException {
        await(what, PATIENCE, () -> uncheck(() -> inboxFiles().size() == files));
    }

    @Test
    void concurrentRequestsShareFsyncsAndEveryDeliveryReachesTheInboxIntact() throws Exception {
        InboxJournal journal = start(8 << 20, 100_000);
        int requests = 2_000;
        ExecutorService senders = Executors.newFixedThreadPool(32);
        try {
            List<Future<?>> stores = new ArrayList<>();
            for (int n = 0; n < requests; n++) {
                int delivery = n;
                stores.add(senders.submit(() -> {
                    journal.store(fileName(delivery), envelope(delivery));
                    return null;
                }));
            }
            for (Future<?> store : stores) {
                store.get();
            }
        } finally {
            senders.shutdownNow();
        }
        assertEquals(requests, journal.committed());
        System.out.printf("InboxJournalTest: %d webhooks committed with %d fsyncs%n", journal.committed(), journal.commits());
        assertTrue(journal.commits() < requests / 2, "concurrent requests share fsyncs: " + journal.commits());

        awaitInbox("every delivery in the inbox", requests);
        for (int n = 0; n < requests; n++) {
            assertArrayEquals(envelope(n), Files.readAllBytes(inbox().resolve(fileName(n))), fileName(n));
        }
        assertEquals(0, journal.unspooled());
    }

    @Test
    void aRestartRestoresWhatACrashOrPowerCutLostAndNothingElse() throws Exception {
        InboxJournal first = start(8 << 20, 1000);
        for (int n = 0; n < 10; n++) {
            first.store(fileName(n), envelope(n));
        }
        awaitInbox("the first run's files", 10);
        first.stop();
        started.remove(first);

        // What a crash and a power cut can leave: files never written, or written empty ...
        Files.delete(inbox().resolve(fileName(0)));
        Files.delete(inbox().resolve(fileName(1)));
        Files.write(inbox().resolve(fileName(2)), new byte[0]);
        // ... next to deliveries that were done before it: dispatched (in the delivery log), or a dead letter.
        for (int n : new int[] {3, 4}) {
            deliveryLog.add(InboxEnvelope.parse(envelope(n)).deliveryKey());
            Files.delete(inbox().resolve(fileName(n)));
        }
        Files.createDirectories(deadLetters());
        Files.move(inbox().resolve(fileName(5)), deadLetters().resolve(fileName(5)));
        // And a torn record after the last whole one: its fsync never returned, so it was never acknowledged.
        Path segment = segmentFiles().get(0);
        long end = 0;
        for (int n = 0; n < 10; n++) {
            end += 12 + fileName(n).length() + envelope(n).length + 8;
        }
        try (FileChannel channel = FileChannel.open(segment, StandardOpenOption.WRITE)) {
            channel.write(ByteBuffer.allocate(12).putInt(0x5449544F).putInt(fileName(10).length()).putInt(500).flip(), end);
            channel.write(ByteBuffer.wrap(fileName(10).getBytes(StandardCharsets.US_ASCII)), end + 12);
        }
        long untouched = Files.getLastModifiedTime(inbox().resolve(fileName(9))).toMillis();

        InboxJournal second = start(8 << 20, 1000);
        await("the lost deliveries restored", PATIENCE, () -> second.restored() == 3);
        List<String> expected = new ArrayList<>();
        for (int n : new int[] {0, 1, 2, 6, 7, 8, 9}) {
            expected.add(fileName(n));
            assertArrayEquals(envelope(n), Files.readAllBytes(inbox().resolve(fileName(n))), fileName(n));
        }
        assertEquals(expected, inboxFiles(), "restored: lost and torn; not restored: dispatched, dead letters, torn records");
        assertEquals(untouched, Files.getLastModifiedTime(inbox().resolve(fileName(9))).toMillis(), "intact files are left alone");
        assertFalse(Files.exists(inbox().resolve(fileName(10))));
    }

    @Test
    void aSegmentIsDeletedOnceAllItsDeliveriesLeftTheInbox() throws Exception {
        InboxJournal journal = start(1, 1000); // a segment per commit
        for (int n = 0; n < 5; n++) {
            journal.store(fileName(n), envelope(n));
        }
        awaitInbox("the files", 5);
        assertEquals(5, segmentFiles().size());

        for (int n = 0; n < 3; n++) { // dispatched, as dispatch does it: the file is deleted
            Files.delete(inbox().resolve(fileName(n)));
        }
        await("three segments retired", PATIENCE, () -> uncheck(() -> segmentFiles().size() == 2));
        Files.delete(inbox().resolve(fileName(4)));
        await("the fifth retired", PATIENCE, () -> uncheck(() -> segmentFiles().size() == 1));
        Files.delete(inbox().resolve(fileName(3)));
        await("all retired", PATIENCE, () -> uncheck(() -> segmentFiles().isEmpty() && journal.segments() == 0));
    }

    @Test
    void aDeliveryWrittenOnARetryStillLetsItsSegmentBeRetired() throws Exception {
        InboxJournal journal = start(1, 1000); // a segment per commit
        Path moved = data.resolve("inbox-moved-away");
        Files.move(inbox(), moved);
        Files.writeString(inbox(), "not a directory"); // even root cannot write into this
        journal.store(fileName(0), envelope(0));
        await("the inbox write to fail", PATIENCE, () -> journal.spoolProblem() != null);
        Files.delete(inbox());
        Files.move(moved, inbox());

        awaitInbox("the delivery written on a retry", 1);
        assertEquals(0, journal.unspooled());
        assertEquals(1, segmentFiles().size());
        Files.delete(inbox().resolve(fileName(0))); // dispatched
        await("its segment retired, without a restart", PATIENCE,
                () -> uncheck(() -> segmentFiles().isEmpty() && journal.segments() == 0));
    }

    @Test
    void theInboxHoldsAtMostMaxFilesAndTheRestFollowInArrivalOrder() throws Exception {
        InboxJournal journal = start(8 << 20, 3);
        for (int n = 0; n < 10; n++) {
            journal.store(fileName(n), envelope(n));
        }
        assertEquals(10, journal.committed(), "all acknowledged at once, whatever the inbox holds");
        Set<String> seen = new HashSet<>();
        List<String> dispatched = new ArrayList<>();
        while (dispatched.size() < 10) {
            await("files to dispatch", PATIENCE, () -> uncheck(() -> !inboxFiles().isEmpty()));
            List<String> files = inboxFiles();
            assertTrue(files.size() <= 3, "never more than 3 files waiting: " + files);
            String oldest = files.get(0);
            assertTrue(seen.add(oldest), "each file once");
            dispatched.add(oldest);
            Files.delete(inbox().resolve(oldest));
        }
        List<String> expected = new ArrayList<>();
        for (int n = 0; n < 10; n++) {
            expected.add(fileName(n));
        }
        assertEquals(expected, dispatched, "in arrival order");
    }

    @Test
    void aJournalThatCannotBeWrittenRefusesTheDeliveryAndRecovers() throws Exception {
        InboxJournal journal = start(1, 1000);
        journal.store(fileName(0), envelope(0));
        Path moved = data.resolve("journal-moved-away");
        Files.move(journalDir(), moved);
        Files.writeString(journalDir(), "not a directory");
        IOException refused = assertThrows(IOException.class, () -> journal.store(fileName(1), envelope(1)));
        assertNotNull(refused.getMessage());
        Files.delete(journalDir());
        Files.move(moved, journalDir());

        journal.store(fileName(2), envelope(2));
        awaitInbox("the stored ones", 2);
        assertEquals(List.of(fileName(0), fileName(2)), inboxFiles(), "the refused one is not in the inbox");
    }

    @Test
    void storeRefusesNamesThatAreNotPlainInboxFileNames() {
        InboxJournal journal = start(8 << 20, 1000);
        for (String bad : new String[] {"", "../escape.webhook", ".hidden.webhook", "a/b.webhook", "x".repeat(2000)}) {
            assertThrows(IllegalArgumentException.class, () -> journal.store(bad, envelope(0)), bad);
        }
        assertEquals(0, journal.committed());
        assertTrue(Arrays.stream(data.toFile().list()).noneMatch(f -> f.contains("escape")));
    }
}
