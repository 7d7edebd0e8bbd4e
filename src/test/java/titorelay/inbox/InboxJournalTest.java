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
import titorelay.support.DeliveryKeys;

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
        return new InboxEnvelope(Map.of(InboxEnvelope.WEBHOOK_NAME, "ticket.updated",
                InboxEnvelope.RECEIVED_AT, "2026-11-26T18:55:00.123Z"), body(n)).toBytes();
    }

    private static byte[] body(int n) {
        return ("{\"slug\":\"ti_" + n + "\",\"state_name\":\"complete\"}").getBytes(StandardCharsets.UTF_8);
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

    /**
     * Where each record of a segment begins and ends, read by the record format: magic "TITO", name length, envelope
     * length, name, envelope, an 8-byte CRC; zeros follow the last one.
     */
    private static List<long[]> recordBounds(Path segment) throws IOException {
        ByteBuffer bytes = ByteBuffer.wrap(Files.readAllBytes(segment));
        List<long[]> bounds = new ArrayList<>();
        for (int start = 0; start + 12 <= bytes.limit() && bytes.getInt(start) == 0x5449544F; ) {
            int end = start + 12 + bytes.getInt(start + 4) + bytes.getInt(start + 8) + 8;
            bounds.add(new long[] {start, end});
            start = end;
        }
        return bounds;
    }

    private static void overwrite(Path file, long position, byte[] bytes) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
            channel.write(ByteBuffer.wrap(bytes), position);
        }
    }

    private static byte[] flipped(Path file, long position) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer one = ByteBuffer.allocate(1);
            channel.read(one, position);
            return new byte[] {(byte) (one.get(0) ^ 0x10)};
        }
    }

    private void dispatchAll() throws IOException {
        for (String file : inboxFiles()) {
            Files.delete(inbox().resolve(file));
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
        // Requests that arrive while a commit is under way share the next one. How many share an fsync is a figure
        // of the machine, measured by the benchmark; here only that some did.
        assertTrue(journal.commits() < journal.committed(), "concurrent requests share fsyncs: " + journal.commits());

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
            deliveryLog.add(DeliveryKeys.key("ticket.updated", body(n)));
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

        assertEquals(0, second.damagedRecords(), "a torn tail is no damage");
        assertEquals(0, second.damagedBytes());
        dispatchAll();
        await("the segment retired", PATIENCE, () -> uncheck(() -> segmentFiles().isEmpty() && second.segments() == 0));
        assertFalse(Files.exists(journalDir().resolve("damaged")), "deleted, not kept aside");
    }

    @Test
    void aFlippedByteInTheMiddleOfASegmentLosesOnlyItsRecordIsReportedAndTheSegmentKept() throws Exception {
        Path segment = storeAndStop(80);
        List<long[]> records = recordBounds(segment);
        int damaged = 10;
        long flippedAt = (records.get(damaged)[0] + records.get(damaged)[1]) / 2; // in its body
        overwrite(segment, flippedAt, flipped(segment, flippedAt));

        InboxJournal second = restartExpecting(80, List.of(damaged), segment);
        assertEquals(records.get(damaged)[1] - records.get(damaged)[0], second.damagedBytes(), "the bytes lost");
        assertEquals(1, second.damagedRecords());
    }

    @Test
    void aZeroedBlockInTheMiddleOfASegmentLosesOnlyTheRecordsItTookIsReportedAndTheSegmentKept() throws Exception {
        Path segment = storeAndStop(80);
        List<long[]> records = recordBounds(segment);
        // A disk block of 4 KiB read back as zeros, beginning inside a record.
        long blockStart = (records.get(30)[0] / 4096 + 1) * 4096;
        List<Integer> zeroed = new ArrayList<>();
        for (int n = 0; n < records.size(); n++) {
            if (records.get(n)[0] < blockStart + 4096 && records.get(n)[1] > blockStart) {
                zeroed.add(n);
            }
        }
        int first = zeroed.get(0);
        int last = zeroed.get(zeroed.size() - 1);
        assertTrue(records.get(first)[0] < blockStart && zeroed.size() > 2 && last < records.size() - 1,
                "the block begins inside a record, spans more, and intact ones follow: " + zeroed);
        overwrite(segment, blockStart, new byte[4096]);

        InboxJournal second = restartExpecting(80, zeroed, segment);
        assertEquals(records.get(last)[1] - records.get(first)[0], second.damagedBytes(), "the bytes lost");
        assertEquals(zeroed.size(), second.damagedRecords(), "the records lost (estimated; exact when of one size)");
    }

    @Test
    void aSegmentKeptAsideIsNeverReplacedByALaterOneOfTheSameName() throws Exception {
        Path segment = storeAndStop(3);
        long flippedAt = recordBounds(segment).get(1)[1] - 10;
        overwrite(segment, flippedAt, flipped(segment, flippedAt));
        InboxJournal second = restartExpecting(3, List.of(1), segment);
        second.stop();
        started.remove(second);
        // The journal is empty now, so the next segment is numbered as the kept one was.
        Path again = storeAndStop(3);
        assertEquals(segment.getFileName(), again.getFileName());
        overwrite(again, flippedAt, flipped(again, flippedAt));
        byte[] secondAsFound = Files.readAllBytes(again);
        InboxJournal third = start(8 << 20, 1000);
        awaitInbox("the intact ones", 2);
        dispatchAll();
        await("the second damaged segment done with", PATIENCE, () -> uncheck(() -> segmentFiles().isEmpty() && third.segments() == 0));
        try (Stream<Path> kept = Files.list(journalDir().resolve("damaged"))) {
            List<byte[]> contents = kept.map(InboxJournalTest::readAll).toList();
            assertEquals(2, contents.size(), "both kept");
            assertTrue(contents.stream().anyMatch(c -> Arrays.equals(c, secondAsFound)));
        }
    }

    private static byte[] readAll(Path file) {
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Stores deliveries 0 to n-1 in one segment and stops; returns the segment. */
    private Path storeAndStop(int deliveries) throws Exception {
        InboxJournal first = start(8 << 20, 1000);
        for (int n = 0; n < deliveries; n++) {
            first.store(fileName(n), envelope(n));
        }
        awaitInbox("the first run's files", deliveries);
        first.stop();
        started.remove(first);
        dispatchAll(); // or lost in a power cut: either way, what is restored can only come from the journal
        List<Path> segments = segmentFiles();
        assertEquals(1, segments.size());
        assertEquals(deliveries, recordBounds(segments.get(0)).size());
        return segments.get(0);
    }

    /**
     * Restarts with the damaged {@code segment}, checks that every delivery but the {@code damaged} ones is restored
     * intact, then dispatches them and checks that the segment is kept aside as it was found.
     */
    private InboxJournal restartExpecting(int deliveries, List<Integer> damaged, Path segment) throws Exception {
        byte[] asFound = Files.readAllBytes(segment);
        InboxJournal second = start(8 << 20, 1000);
        List<String> intact = new ArrayList<>();
        for (int n = 0; n < deliveries; n++) {
            if (!damaged.contains(n)) {
                intact.add(fileName(n));
            }
        }
        awaitInbox("every intact delivery restored", intact.size());
        assertEquals(intact, inboxFiles(), "every intact record after the damage too, none of the damaged ones");
        for (int n = 0; n < deliveries; n++) {
            if (!damaged.contains(n)) {
                assertArrayEquals(envelope(n), Files.readAllBytes(inbox().resolve(fileName(n))), fileName(n));
            }
        }
        dispatchAll();
        await("the segment done with", PATIENCE, () -> uncheck(() -> segmentFiles().isEmpty() && second.segments() == 0));
        Path kept = journalDir().resolve("damaged").resolve(segment.getFileName());
        assertArrayEquals(asFound, Files.readAllBytes(kept), "kept aside as found, not deleted");
        return second;
    }

    @Test
    void damageFoundWhileRunningIsPassedOverToo() throws Exception {
        InboxJournal journal = start(8 << 20, 1); // one file in the inbox at a time: the rest wait in the journal
        for (int n = 0; n < 4; n++) {
            journal.store(fileName(n), envelope(n));
        }
        awaitInbox("the first file", 1);
        Path segment = segmentFiles().get(0);
        List<long[]> records = recordBounds(segment);
        long flippedAt = records.get(2)[0] + 20;
        overwrite(segment, flippedAt, flipped(segment, flippedAt)); // in its name, say a bad sector in the cache

        List<String> dispatched = new ArrayList<>();
        for (int n : new int[] {0, 1, 3}) {
            awaitInbox("the next intact file", 1);
            dispatched.addAll(inboxFiles());
            dispatchAll();
        }
        journal.store(fileName(4), envelope(4)); // a sentinel: once it is in the inbox, nothing else is coming
        awaitInbox("the sentinel", 1);
        dispatched.addAll(inboxFiles());
        assertEquals(List.of(fileName(0), fileName(1), fileName(3), fileName(4)), dispatched);
        assertEquals(1, journal.damagedRecords());
        assertEquals(records.get(2)[1] - records.get(2)[0], journal.damagedBytes());
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
        for (String bad : new String[] {"", "../escape.webhook", ".hidden.webhook", "a/b.webhook", "a\nb.webhook", "x".repeat(2000)}) {
            assertThrows(IllegalArgumentException.class, () -> journal.store(bad, envelope(0)), bad);
        }
        assertEquals(0, journal.committed());
        assertTrue(Arrays.stream(data.toFile().list()).noneMatch(f -> f.contains("escape")));
    }
}
