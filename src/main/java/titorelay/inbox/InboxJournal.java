package titorelay.inbox;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.apache.camel.spi.IdempotentRepository;
import org.apache.camel.support.service.ServiceHelper;
import org.apache.camel.support.service.ServiceSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where an acknowledged webhook is durable, and the log dispatch reads: an append-only journal under
 * {@code inbox-journal/}, fsync'd once for all the webhooks that arrive together (group commit).
 * <ul>
 * <li><b>Commit</b>: a request that finds no commit under way leads one: it writes its own envelope and every one
 * waiting at that moment to the current segment, fsyncs once, and wakes the requests it carried, which are then
 * answered 202. Requests arriving meanwhile wait, and the first of them leads the next commit. Segments are
 * zero-filled ahead of the writes, so that a commit flushes data only, not the file's size and block map as well.</li>
 * <li><b>Dispatch</b> reads the journal in order ({@link #consumer}, the {@code inbox-journal:} endpoint of
 * routes/dispatch.yaml), up to {@code maxInFlight} deliveries at a time, from its saved position
 * ({@link JournalCursor}); nothing is copied elsewhere on the way.</li>
 * <li><b>Retiring</b>: a segment is deleted once dispatch's saved position has passed it.</li>
 * <li><b>Restart</b>: dispatch begins at its saved position, skipping a delivery that it recorded as done or that
 * is a dead letter. A torn record at a segment's end was never acknowledged (its fsync did not return) and is
 * ignored. Damage elsewhere (intact records after it) is passed over to the next intact record, logged at ERROR and
 * counted; the segment is then kept in {@code damaged/}, never deleted.</li>
 * </ul>
 */
public final class InboxJournal extends ServiceSupport {

    private static final Logger LOG = LoggerFactory.getLogger(InboxJournal.class);
    private static final int MAX_BATCH = 4096;
    private static final int COMMIT_TIMEOUT_SECONDS = 30;
    private static final long LEADER_WAIT_NANOS = TimeUnit.MILLISECONDS.toNanos(5);

    private final Path journalDir;
    private final long segmentBytes;
    private final IdempotentRepository deliveryLog;
    private final DispatchPosition position;

    private final BlockingQueue<Append> waiting = new LinkedBlockingQueue<>();
    /** Every segment on disk, oldest first; the last one may be the one being written. */
    private final ConcurrentLinkedQueue<JournalSegment> segments = new ConcurrentLinkedQueue<>();
    private final JournalCursor cursor;
    private final Set<Thread> readers = ConcurrentHashMap.newKeySet();
    private final JournalDamage damage;
    private final AtomicLong commits = new AtomicLong();
    private final AtomicLong committed = new AtomicLong();
    private volatile boolean accepting;
    private volatile String readProblem;
    /** Held by the request leading a commit; guards the segment being written. */
    private final ReentrantLock commitLock = new ReentrantLock();
    private JournalSegment writing;
    private boolean closed;
    private long nextSegmentNumber;

    /**
     * @param segmentBytes     a segment is closed, and the next one begun, once it holds this many bytes
     * @param maxInFlight      at most this many deliveries are being dispatched at a time
     * @param retryDelayMillis a delivery whose dispatch failed outright (its dead letter could not be written) is
     *                         taken again after this long
     * @param deliveryLog      dispatch's record of completed deliveries, so that a restart does not dispatch those again
     */
    public InboxJournal(Path journalDir, Path deadLetterDir, long segmentBytes, int maxInFlight, long retryDelayMillis,
            IdempotentRepository deliveryLog) {
        this.journalDir = journalDir;
        this.segmentBytes = segmentBytes;
        this.deliveryLog = deliveryLog;
        this.damage = new JournalDamage(journalDir.resolve("damaged"));
        this.position = new DispatchPosition(journalDir);
        this.cursor = new JournalCursor(segments, deadLetterDir, deliveryLog, damage, position, maxInFlight,
                retryDelayMillis);
    }

    /** The ingress step: stores the sealed envelope in the body, named by CamelFileName (dead letters keep the name). */
    public Processor storeInInbox() {
        return exchange -> store(exchange.getMessage().getHeader(Exchange.FILE_NAME, String.class),
                exchange.getMessage().getBody(byte[].class));
    }

    /**
     * Returns once the envelope is fsync'd in the journal, where dispatch finds it. Throws if it could not be made
     * durable: the caller answers 503 and Tito sends the webhook again.
     */
    public void store(String fileName, byte[] envelope) throws IOException {
        byte[] name = fileName.getBytes(StandardCharsets.UTF_8);
        if (!JournalSegment.isInboxFileName(name)) {
            throw new IllegalArgumentException("not an inbox file name: " + fileName);
        }
        if (!accepting) {
            throw new IOException("the inbox journal is not running");
        }
        Append append = new Append(name, envelope, Thread.currentThread());
        waiting.add(append);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(COMMIT_TIMEOUT_SECONDS);
        while (append.outcome == null) {
            if (commitLock.tryLock()) {
                // No commit is under way: this request leads one, for itself and every request waiting now.
                try {
                    if (append.outcome == null) {
                        commitWaiting();
                    }
                } finally {
                    commitLock.unlock();
                }
                Append next = waiting.peek();
                if (next != null) {
                    LockSupport.unpark(next.thread); // arrived during that commit: it leads the next one
                }
            } else {
                // A commit is under way: its leader wakes this request when it is done, or when it is its turn.
                LockSupport.parkNanos(this, LEADER_WAIT_NANOS);
                if (Thread.interrupted()) {
                    Thread.currentThread().interrupt();
                    // Possibly committed after all: then the next start restores it, and Tito's retry is a repeat.
                    throw new IOException("interrupted while waiting for the inbox journal");
                }
            }
            if (System.nanoTime() > deadline && append.outcome == null) {
                throw new IOException("the inbox journal did not commit within " + COMMIT_TIMEOUT_SECONDS + " s");
            }
        }
        if (append.outcome instanceof IOException failed) {
            throw new IOException(failed.getMessage(), failed);
        }
    }

    /**
     * The deliveries that a relay stopped with the journal in {@code journalDir} had not dispatched, as far as its
     * saved position says (some after it may be done: the next start skips those): for a relay that is not running.
     */
    public static List<StoredDelivery> waitingIn(Path journalDir) throws IOException {
        DispatchPosition.At at = new DispatchPosition(journalDir).load();
        List<StoredDelivery> waiting = new ArrayList<>();
        try (var listing = Files.list(journalDir)) {
            for (Path path : listing.filter(p -> JournalSegment.numberOf(p) >= 0).sorted().toList()) {
                long number = JournalSegment.numberOf(path);
                if (at != null && number < at.segment()) {
                    continue;
                }
                long from = at != null && number == at.segment() ? at.offset() : 0;
                try {
                    for (JournalSegment.Record record : JournalSegment.recordsOf(path, from, Files.size(path))) {
                        waiting.add(new StoredDelivery(record.fileName(), record.envelope()));
                    }
                } catch (NoSuchFileException retired) {
                    // deleted while listed: a running relay's dispatch had passed it
                }
            }
        }
        return waiting;
    }

    /** fsyncs of the journal so far: under concurrent load, far fewer than {@link #committed()}. */
    public long commits() {
        return commits.get();
    }

    /** Webhooks made durable in the journal since start. */
    public long committed() {
        return committed.get();
    }

    /** Webhooks committed since start whose dispatch has not ended yet. */
    public long backlog() {
        return Math.max(0, committed.get() - cursor.dispatchedOfThisRun());
    }

    /** Deliveries being dispatched now (a sink may hold one until its batch is written). */
    public int inFlight() {
        return cursor.inFlight();
    }

    /** True when dispatch has taken every committed delivery and each one's dispatch has ended. */
    public boolean caughtUp() {
        return cursor.caughtUp();
    }

    /** Whether the delivery of that name was taken by dispatch and is not done yet. */
    public boolean isWaiting(String name) {
        return cursor.isTakenAndNotDone(name);
    }

    /** The deliveries not dispatched yet, oldest first (file name and envelope), read without disturbing dispatch. */
    public List<StoredDelivery> waiting() throws IOException {
        return cursor.waiting();
    }

    /** Acknowledged deliveries lost to damage found in the journal since start (estimated from the bytes lost). */
    public long damagedRecords() {
        return damage.records();
    }

    /** Bytes of the journal passed over as damaged since start. */
    public long damagedBytes() {
        return damage.bytes();
    }

    public int segments() {
        return segments.size();
    }

    /** Why dispatch cannot read the journal or save its position there right now, or null when all is well. */
    public String dispatchProblem() {
        String problem = readProblem;
        return problem != null ? "cannot read the journal: " + problem
                : cursor.problem() != null ? "cannot save dispatch's position: " + cursor.problem() : null;
    }

    /**
     * What dispatch's reading thread calls: the next delivery to dispatch, waiting up to {@code maxWaitNanos} for one
     * to be committed (or for room, while as many as may are in flight); null if none came.
     */
    JournalCursor.Taken next(long maxWaitNanos) throws IOException {
        JournalCursor.Taken taken;
        try {
            cursor.savePosition(false);
            taken = cursor.take();
            readProblem = null;
        } catch (IOException | RuntimeException | Error e) {
            readProblem = e.toString();
            throw e;
        }
        if (taken == null) {
            Thread reader = Thread.currentThread();
            readers.add(reader);
            try {
                taken = cursor.take(); // committed, or room made, just before this thread was listed
                if (taken == null) {
                    LockSupport.parkNanos(this, maxWaitNanos);
                }
            } finally {
                readers.remove(reader);
            }
        }
        return taken;
    }

    /** A delivery's dispatch ended: done (dispatched or kept as a dead letter), or to be taken again later. */
    void ended(JournalCursor.Taken delivery, boolean done) {
        cursor.ended(delivery, done);
        wakeReaders();
    }

    private void wakeReaders() {
        for (Thread reader : readers) {
            LockSupport.unpark(reader);
        }
    }

    @Override
    protected void doStart() throws Exception {
        Files.createDirectories(journalDir);
        ServiceHelper.startService(deliveryLog);
        DispatchPosition.At at = position.load();
        segments.clear();
        nextSegmentNumber = at == null ? 0 : at.segment() + 1;
        try (var listing = Files.list(journalDir)) {
            for (Path path : listing.filter(p -> JournalSegment.numberOf(p) >= 0).sorted().toList()) {
                long number = JournalSegment.numberOf(path);
                nextSegmentNumber = Math.max(nextSegmentNumber, number + 1);
                if (at != null && number < at.segment()) {
                    Files.delete(path); // wholly dispatched: the relay stopped before retiring it
                    continue;
                }
                JournalSegment segment = JournalSegment.fromEarlierRun(path);
                if (at != null && number == at.segment()) {
                    segment.readBytes = Math.min(at.offset(), segment.committedBytes);
                }
                segments.add(segment);
            }
        }
        if (!segments.isEmpty()) {
            LOG.info("The inbox journal holds {} segment(s) from an earlier run: dispatch goes on from {}",
                    segments.size(), at == null ? "their start" : "where it stopped");
        }
        accepting = true;
        closed = false;
    }

    /** Commits what is waiting and saves dispatch's position, so a clean stop leaves nothing to redo. */
    @Override
    protected void doStop() throws Exception {
        accepting = false;
        commitLock.lock();
        try {
            commitWaiting();
            closeWriting();
            closed = true; // a request that slipped in after this is refused: no segment is opened any more
        } finally {
            commitLock.unlock();
        }
        cursor.savePosition(true);
    }

    /** With the commit lock held: writes every request waiting now to the segment, fsyncs once, wakes them. */
    private void commitWaiting() {
        List<Append> batch = new ArrayList<>();
        waiting.drainTo(batch, MAX_BATCH);
        if (batch.isEmpty()) {
            return;
        }
        try {
            ByteBuffer records = ByteBuffer.allocate(batch.stream().mapToInt(Append::recordBytes).sum());
            batch.forEach(append -> JournalSegment.encode(append.name, append.envelope, records));
            JournalSegment segment = segmentToWrite();
            segment.append(records.flip(), segmentBytes);
            commits.incrementAndGet();
            committed.addAndGet(batch.size());
            batch.forEach(append -> append.settle(Append.COMMITTED));
            if (segment.committedBytes >= segmentBytes) {
                closeWriting();
            }
        } catch (IOException | RuntimeException e) {
            LOG.error("Could not commit {} webhook(s) to the inbox journal: {}", batch.size(), e.toString());
            IOException failed = e instanceof IOException io ? io : new IOException(e);
            batch.forEach(append -> append.settle(failed));
            closeWriting(); // what reached the segment after its last commit may be torn; begin a new one
        }
        wakeReaders();
    }

    private JournalSegment segmentToWrite() throws IOException {
        if (closed) {
            throw new IOException("the inbox journal is stopped");
        }
        if (writing == null) {
            Path path = journalDir.resolve(JournalSegment.fileName(nextSegmentNumber++));
            JournalSegment segment = JournalSegment.create(path);
            try {
                syncDirectory(journalDir); // the new segment's name must survive a power cut too
            } catch (IOException e) {
                segment.close();
                Files.deleteIfExists(path);
                throw e;
            }
            writing = segment;
            segments.add(writing);
        }
        return writing;
    }

    private void closeWriting() {
        if (writing != null) {
            writing.close();
            writing = null;
        }
    }

    private static void syncDirectory(Path directory) throws IOException {
        try (FileChannel channel = FileChannel.open(directory, StandardOpenOption.READ)) {
            channel.force(true);
        }
    }

    /** A request waiting for its envelope to be committed. */
    private static final class Append {
        static final Object COMMITTED = new Object();

        final byte[] name;
        final byte[] envelope;
        final Thread thread; // the request's, woken when its outcome is known
        volatile Object outcome; // COMMITTED or the IOException; null while waiting

        Append(byte[] name, byte[] envelope, Thread thread) {
            this.name = name;
            this.envelope = envelope;
            this.thread = thread;
        }

        int recordBytes() {
            return JournalSegment.recordBytes(name, envelope);
        }

        void settle(Object result) {
            outcome = result;
            if (thread != Thread.currentThread()) {
                LockSupport.unpark(thread);
            }
        }
    }
}
