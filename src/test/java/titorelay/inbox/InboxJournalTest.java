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
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;

import org.apache.camel.health.HealthCheck;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.processor.idempotent.MemoryIdempotentRepository;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import titorelay.support.DeliveryKeys;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static titorelay.support.TestRelay.uncheck;

/**
 * The inbox journal on its own, on real files: what a 202 relies on (group commit), how dispatch reads it (in order, a
 * bounded number at a time), where a restart begins after a crash or a power cut, and how the journal stays bounded.
 * Dispatch is played here by the test: it takes deliveries ({@link InboxJournal#next}) and ends them.
 */
class InboxJournalTest {

    private static final Duration PATIENCE = Duration.ofSeconds(10);
    private static final long RETRY_MILLIS = 100;

    @TempDir
    Path data;

    private final MemoryIdempotentRepository dispatchedDeliveries = new MemoryIdempotentRepository();
    private final List<InboxJournal> started = new ArrayList<>();

    @AfterEach
    void stopJournals() throws Exception {
        for (InboxJournal journal : started) {
            journal.stop();
        }
    }

    private InboxJournal start(long segmentBytes, int maxInFlight) {
        InboxJournal journal = new InboxJournal(journalDir(), deadLetters(), segmentBytes, maxInFlight, RETRY_MILLIS,
                dispatchedDeliveries);
        journal.start();
        started.add(journal);
        return journal;
    }

    private void stop(InboxJournal journal) {
        journal.stop();
        started.remove(journal);
    }

    private Path journalDir() {
        return data.resolve("inbox-journal");
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

    private static List<String> namesOf(List<JournalCursor.Taken> taken) {
        return taken.stream().map(t -> t.fileName).toList();
    }

    private static List<String> fileNames(int... deliveries) {
        return Arrays.stream(deliveries).mapToObj(InboxJournalTest::fileName).toList();
    }

    /** Takes deliveries as dispatch does, until {@code count} were taken; fails if they do not come. */
    private static List<JournalCursor.Taken> take(InboxJournal journal, int count) throws Exception {
        List<JournalCursor.Taken> taken = new ArrayList<>();
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        while (taken.size() < count) {
            JournalCursor.Taken next = journal.next(TimeUnit.MILLISECONDS.toNanos(10));
            if (next != null) {
                taken.add(next);
            }
            assertTrue(System.nanoTime() < deadline, "only " + namesOf(taken) + " of " + count + " came");
        }
        return taken;
    }

    /** Everything dispatch can take now, until none comes for a while; for "nothing more" after a sentinel. */
    private static List<JournalCursor.Taken> takeAll(InboxJournal journal) throws Exception {
        List<JournalCursor.Taken> taken = new ArrayList<>();
        for (JournalCursor.Taken next; (next = journal.next(TimeUnit.MILLISECONDS.toNanos(50))) != null; ) {
            taken.add(next);
        }
        return taken;
    }

    private static void done(InboxJournal journal, List<JournalCursor.Taken> taken) {
        taken.forEach(delivery -> journal.ended(delivery, true));
    }

    /** Waits while dispatch goes on (it saves its position and retires segments between deliveries). */
    private static void awaitDispatching(InboxJournal journal, String what, BooleanSupplier condition) throws Exception {
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        while (!condition.getAsBoolean()) {
            assertNull(journal.next(TimeUnit.MILLISECONDS.toNanos(20)), "nothing new to dispatch while " + what);
            assertTrue(System.nanoTime() < deadline, "timed out waiting for " + what);
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

    @Test
    void concurrentRequestsShareFsyncsAndDispatchReadsEveryDeliveryIntact() throws Exception {
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
        assertEquals(requests, journal.backlog(), "all acknowledged, none dispatched yet");
        System.out.printf("InboxJournalTest: %d webhooks committed with %d fsyncs%n", journal.committed(), journal.commits());
        // Requests that arrive while a commit is under way share the next one. How many share an fsync is a figure
        // of the machine, measured by the benchmark; here only that some did.
        assertTrue(journal.commits() < journal.committed(), "concurrent requests share fsyncs: " + journal.commits());

        List<JournalCursor.Taken> taken = take(journal, requests);
        Set<String> names = new HashSet<>();
        for (JournalCursor.Taken delivery : taken) {
            int n = Integer.parseInt(delivery.fileName.substring(21, 30));
            assertTrue(names.add(delivery.fileName), "each once: " + delivery.fileName);
            assertArrayEquals(envelope(n), delivery.envelope, delivery.fileName);
        }
        done(journal, taken);
        assertEquals(0, journal.backlog());
        assertTrue(journal.caughtUp());
        assertEquals(List.of(), journal.waiting());
    }

    @Test
    void aRestartBeginsAtTheSavedPositionAndSkipsWhatWasDoneSince() throws Exception {
        InboxJournal first = start(8 << 20, 1000);
        for (int n = 0; n < 10; n++) {
            first.store(fileName(n), envelope(n));
        }
        List<JournalCursor.Taken> taken = take(first, 5);
        assertEquals(fileNames(0, 1, 2, 3, 4), namesOf(taken), "in arrival order");
        done(first, taken.subList(0, 3)); // 3 and 4 are still being dispatched when the relay stops
        first.ended(taken.get(4), true); // done out of order: the position stays before 3
        stop(first);
        // Done after the position was saved, which a crash can leave behind: dispatched (dispatchedDeliveries has it)
        // or kept as a dead letter. Those are not dispatched again.
        dispatchedDeliveries.add(DeliveryKeys.key("ticket.updated", body(6)));
        Files.createDirectories(deadLetters());
        Files.write(deadLetters().resolve(fileName(7)), envelope(7));
        // And a torn record after the last whole one: its fsync never returned, so it was never acknowledged.
        Path segment = segmentFiles().get(0);
        long end = recordBounds(segment).get(9)[1];
        try (FileChannel channel = FileChannel.open(segment, StandardOpenOption.WRITE)) {
            channel.write(ByteBuffer.allocate(12).putInt(0x5449544F).putInt(fileName(10).length()).putInt(500).flip(), end);
            channel.write(ByteBuffer.wrap(fileName(10).getBytes(StandardCharsets.US_ASCII)), end + 12);
        }

        InboxJournal second = start(8 << 20, 1000);
        assertEquals(fileNames(3, 4, 5, 8, 9), second.waiting().stream().map(StoredDelivery::name).toList()
                .stream().filter(name -> !name.equals(fileName(6)) && !name.equals(fileName(7))).toList());
        List<JournalCursor.Taken> again = take(second, 5);
        assertEquals(fileNames(3, 4, 5, 8, 9), namesOf(again),
                "from the position on; not what was done since, nor the torn record");
        for (JournalCursor.Taken delivery : again) {
            assertArrayEquals(envelope(Integer.parseInt(delivery.fileName.substring(21, 30))), delivery.envelope);
        }
        assertEquals(0, second.damagedRecords(), "a torn tail is no damage");
        assertEquals(0, second.damagedBytes());
        done(second, again);
        assertEquals(List.of(), takeAll(second), "nothing more");
        stop(second); // the segment is full (an earlier run's): retired once the position has passed it
        assertEquals(List.of(), segmentFiles());
        assertFalse(Files.exists(journalDir().resolve("damaged")), "deleted, not kept aside");
        InboxJournal third = start(8 << 20, 1000);
        third.store(fileName(11), envelope(11));
        assertEquals(fileNames(11), namesOf(takeAll(third)), "only what came after");
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
        stop(second);
        // With the position lost too (a power cut), the next segment is numbered as the kept one was.
        Files.delete(journalDir().resolve("dispatch.position"));
        Path again = storeAndStop(3);
        assertEquals(segment.getFileName(), again.getFileName());
        overwrite(again, flippedAt, flipped(again, flippedAt));
        byte[] secondAsFound = Files.readAllBytes(again);
        InboxJournal third = start(8 << 20, 1000);
        List<JournalCursor.Taken> intact = takeAll(third);
        assertEquals(fileNames(0, 2), namesOf(intact));
        done(third, intact);
        stop(third);
        assertEquals(List.of(), segmentFiles());
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

    /** Stores deliveries 0 to n-1 in one segment and stops before dispatching any; returns the segment. */
    private Path storeAndStop(int deliveries) throws Exception {
        InboxJournal first = start(8 << 20, 1000);
        for (int n = 0; n < deliveries; n++) {
            first.store(fileName(n), envelope(n));
        }
        stop(first);
        List<Path> segments = segmentFiles();
        assertEquals(1, segments.size());
        assertEquals(deliveries, recordBounds(segments.get(0)).size());
        return segments.get(0);
    }

    /**
     * Restarts with the damaged {@code segment}, checks that dispatch gets every delivery but the {@code damaged} ones,
     * intact and in order, then ends them and checks that the segment is kept aside as it was found.
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
        List<JournalCursor.Taken> taken = take(second, intact.size());
        assertEquals(intact, namesOf(taken), "every intact record after the damage too, none of the damaged ones");
        for (JournalCursor.Taken delivery : taken) {
            assertArrayEquals(envelope(Integer.parseInt(delivery.fileName.substring(21, 30))), delivery.envelope);
        }
        done(second, taken);
        awaitDispatching(second, "the segment done with",
                () -> uncheck(() -> segmentFiles().isEmpty() && second.segments() == 0));
        Path kept = journalDir().resolve("damaged").resolve(segment.getFileName());
        assertArrayEquals(asFound, Files.readAllBytes(kept), "kept aside as found, not deleted");
        return second;
    }

    @Test
    void damageFoundWhileRunningIsPassedOverToo() throws Exception {
        InboxJournal journal = start(8 << 20, 1); // one delivery in flight at a time: the rest wait in the journal
        for (int n = 0; n < 4; n++) {
            journal.store(fileName(n), envelope(n));
        }
        List<JournalCursor.Taken> dispatched = new ArrayList<>(take(journal, 1));
        Path segment = segmentFiles().get(0);
        List<long[]> records = recordBounds(segment);
        long flippedAt = records.get(2)[0] + 20;
        overwrite(segment, flippedAt, flipped(segment, flippedAt)); // in its name, say a bad sector in the cache

        for (int n = 0; n < 2; n++) {
            done(journal, dispatched.subList(dispatched.size() - 1, dispatched.size()));
            dispatched.addAll(take(journal, 1));
        }
        done(journal, dispatched.subList(dispatched.size() - 1, dispatched.size()));
        journal.store(fileName(4), envelope(4)); // a sentinel: once it is taken, nothing else is coming
        dispatched.addAll(takeAll(journal));
        assertEquals(fileNames(0, 1, 3, 4), namesOf(dispatched));
        assertEquals(1, journal.damagedRecords());
        assertEquals(records.get(2)[1] - records.get(2)[0], journal.damagedBytes());
    }

    @Test
    void aSegmentIsDeletedOnceDispatchsPositionHasPassedIt() throws Exception {
        InboxJournal journal = start(1, 1000); // a segment per commit
        for (int n = 0; n < 5; n++) {
            journal.store(fileName(n), envelope(n));
        }
        List<JournalCursor.Taken> taken = take(journal, 5);
        assertEquals(5, segmentFiles().size());

        done(journal, taken.subList(0, 3));
        awaitDispatching(journal, "three segments retired", () -> uncheck(() -> segmentFiles().size() == 2));
        done(journal, taken.subList(4, 5)); // out of order: the position stays before the fourth
        assertNull(taken.get(4).envelope, "done behind one in flight: its envelope is not held meanwhile");
        assertArrayEquals(envelope(3), taken.get(3).envelope, "the one in flight keeps its envelope");
        stop(journal); // saves the position now
        assertEquals(2, segmentFiles().size(), "the fourth's segment and the fifth's");

        InboxJournal again = start(1, 1000);
        List<JournalCursor.Taken> retaken = takeAll(again);
        assertEquals(fileNames(3, 4), namesOf(retaken), "from the position on (dispatch drops the fifth as a repeat)");
        done(again, retaken);
        awaitDispatching(again, "all retired", () -> uncheck(() -> segmentFiles().isEmpty() && again.segments() == 0));
    }

    @Test
    void aPositionThatCannotBeSavedTurnsHealthDownKeepsTheSegmentsAndRecovers() throws Exception {
        InboxJournal journal = start(1, 1000); // a segment per commit
        InboxJournalHealth health = new InboxJournalHealth(journal);
        Path blocker = journalDir().resolve(".dispatch.position.writing");
        Files.createDirectories(blocker.resolve("in-the-way")); // where the position is written first: no file fits
        try (DefaultCamelContext camel = new DefaultCamelContext()) {
            health.setCamelContext(camel);
            journal.store(fileName(0), envelope(0));
            journal.store(fileName(1), envelope(1));
            done(journal, take(journal, 2));
            awaitDispatching(journal, "the position to fail", () -> journal.dispatchProblem() != null);
            assertEquals(HealthCheck.State.DOWN, health.call().getState());
            assertTrue(health.call().getMessage().orElse("").contains("cannot save dispatch's position"),
                    health.call().getMessage().toString());
            assertEquals(2, segmentFiles().size(), "kept while the position cannot be saved");

            Files.delete(blocker.resolve("in-the-way"));
            Files.delete(blocker);
            awaitDispatching(journal, "the segments retired",
                    () -> uncheck(() -> segmentFiles().isEmpty() && journal.segments() == 0));
            assertEquals(HealthCheck.State.UP, health.call().getState());
        }
    }

    @Test
    void atMostMaxInFlightAreTakenAndTheRestFollowInArrivalOrder() throws Exception {
        InboxJournal journal = start(8 << 20, 3);
        for (int n = 0; n < 10; n++) {
            journal.store(fileName(n), envelope(n));
        }
        assertEquals(10, journal.committed(), "all acknowledged at once, whatever dispatch holds");
        List<JournalCursor.Taken> inFlight = new ArrayList<>(takeAll(journal));
        assertEquals(fileNames(0, 1, 2), namesOf(inFlight), "never more than 3 in flight");
        List<String> dispatched = new ArrayList<>();
        while (!inFlight.isEmpty()) {
            JournalCursor.Taken oldest = inFlight.remove(0);
            dispatched.add(oldest.fileName);
            journal.ended(oldest, true);
            inFlight.addAll(takeAll(journal));
            assertTrue(inFlight.size() <= 3, "never more than 3 in flight: " + namesOf(inFlight));
        }
        assertEquals(fileNames(0, 1, 2, 3, 4, 5, 6, 7, 8, 9), dispatched, "in arrival order, each once");
    }

    @Test
    void aDeliveryWhoseDispatchFailedIsTakenAgainAfterTheDelayAndTheLaterOnesMeanwhile() throws Exception {
        InboxJournal journal = start(8 << 20, 1000);
        journal.store(fileName(0), envelope(0));
        JournalCursor.Taken failed = take(journal, 1).get(0);
        long failedAt = System.nanoTime();
        journal.ended(failed, false); // its dead letter could not be written
        journal.store(fileName(1), envelope(1));
        List<JournalCursor.Taken> next = take(journal, 2);
        assertEquals(fileNames(1, 0), namesOf(next), "the later one at once, the failed one after the delay");
        assertTrue(System.nanoTime() - failedAt >= TimeUnit.MILLISECONDS.toNanos(RETRY_MILLIS), "not before the delay");
        assertEquals(fileNames(0, 1), journal.waiting().stream().map(StoredDelivery::name).toList(), "both not done");
        done(journal, next);
        assertTrue(journal.caughtUp());
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
        assertEquals(fileNames(0, 2), namesOf(takeAll(journal)), "the refused one is not in the journal");
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

    @Test
    void aDamagedSegmentThePositionPassedBeforeAStopIsKeptAsideAtTheNextStartNotDeleted() throws Exception {
        List<Path> segments = twoSegments();
        Path damagedSegment = segments.get(0);
        long flippedAt = recordBounds(damagedSegment).get(1)[1] - 10; // the middle record: intact ones on both sides
        overwrite(damagedSegment, flippedAt, flipped(damagedSegment, flippedAt));
        byte[] asFound = Files.readAllBytes(damagedSegment);
        positionPastTheFirst(segments);

        InboxJournal second = start(8 << 20, 1000);
        assertEquals(fileNames(3), namesOf(takeAll(second)), "only what lies after the position");
        assertEquals(List.of(segments.get(1)), segmentFiles(), "the segment before the position is gone from the journal");
        assertArrayEquals(asFound, Files.readAllBytes(journalDir().resolve("damaged").resolve(damagedSegment.getFileName())),
                "kept aside as found, not deleted");
        assertEquals(1, second.damagedRecords(), "its damage reported again");
    }

    @Test
    void anIntactSegmentThePositionPassedBeforeAStopIsDeletedAtTheNextStart() throws Exception {
        List<Path> segments = twoSegments();
        Path passed = segments.get(0);
        Path last = segments.get(1);
        positionPastTheFirst(segments);

        InboxJournal second = start(8 << 20, 1000);
        assertEquals(fileNames(3), namesOf(takeAll(second)));
        assertEquals(List.of(last), segmentFiles());
        assertFalse(Files.exists(journalDir().resolve("damaged").resolve(passed.getFileName())), "deleted, not kept");
        assertEquals(0, second.damagedRecords());
    }

    /** Deliveries 0 to 2 in one segment, delivery 3 in the next, the relay stopped before dispatching any. */
    private List<Path> twoSegments() throws Exception {
        storeAndStop(3);
        InboxJournal first = start(8 << 20, 1000);
        first.store(fileName(3), envelope(3));
        stop(first);
        List<Path> segments = segmentFiles();
        assertEquals(2, segments.size());
        return segments;
    }

    /**
     * As a crash leaves it between saving the position and retiring what lies before it: the position already past
     * the first segment, which is still there.
     */
    private void positionPastTheFirst(List<Path> segments) throws IOException {
        Files.writeString(journalDir().resolve("dispatch.position"), JournalSegment.numberOf(segments.get(1)) + " 0\n");
    }
}
