package titorelay.inbox;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

import org.apache.camel.AsyncProcessor;
import org.apache.camel.spi.IdempotentRepository;
import org.apache.camel.support.service.ServiceHelper;
import org.apache.camel.support.service.ServiceSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import titorelay.storage.Fsync;
import titorelay.threads.ThreadFailures;

/**
 * Where an acknowledged webhook is durable, and the log dispatch reads: an append-only journal under
 * {@code inbox-journal/}, fsync'd once for all the webhooks that arrive together (group commit).
 * <ul>
 * <li><b>Commit</b> (one thread): takes every request waiting at that moment, writes their envelopes to the current
 * segment, fsyncs once, and hands the requests it carried to the completer thread, which finishes their routes (they
 * are answered 202) while the next commit runs. Requests arriving meanwhile wait for the next commit, which begins as
 * soon as this one is done. No thread waits with a request: the ingress step is asynchronous, and a request not
 * committed within the commit time-out is answered 503 by the watchdog. Segments are zero-filled ahead of the writes,
 * so that a commit flushes data only, not the file's size and block map as well.</li>
 * <li><b>Dispatch</b> reads the journal in order ({@link InboxJournalComponent}, the {@code inbox-journal:} endpoint
 * of routes/dispatch.yaml), up to {@code maxInFlight} deliveries at a time, from its saved position
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
    private static final int KEPT_COMMIT_BUFFER_BYTES = 4 << 20;

    private final Path journalDir;
    private final long segmentBytes;
    private final IdempotentRepository dispatchedDeliveries;
    private final DispatchPosition position;

    private final BlockingQueue<Append> waiting = new LinkedBlockingQueue<>();
    /** Every segment on disk, oldest first; the last one may be the one being written. */
    private final ConcurrentLinkedQueue<JournalSegment> segments = new ConcurrentLinkedQueue<>();
    private final JournalCursor cursor;
    private final Set<Thread> readers = ConcurrentHashMap.newKeySet();
    private final JournalDamage damage;
    private final AtomicLong commits = new AtomicLong();
    private final AtomicLong committed = new AtomicLong();
    private final AtomicLong uncommitted = new AtomicLong();
    private volatile long commitTimeoutMs = 30_000;
    private volatile boolean accepting;
    private volatile String readProblem;
    private Thread committerThread;
    private ScheduledExecutorService watchdog;
    /** The requests of the commits not answered yet, for the watchdog. */
    private final Set<List<Append>> committing = ConcurrentHashMap.newKeySet();
    private ExecutorService completer;
    /** Held by the committer during a commit; guards the segment being written. (Tests hold it to stall commits.) */
    final ReentrantLock commitLock = new ReentrantLock();
    /** Run by each commit before it writes: nothing, except in tests, which make a commit fail there. */
    volatile Runnable beforeWrite = () -> { };
    private JournalSegment writing;
    private ByteBuffer commitBuffer; // under the commit lock
    private boolean closed;
    private long nextSegmentNumber;

    /**
     * @param segmentBytes     a segment is closed, and the next one begun, once it holds this many bytes
     * @param maxInFlight      at most this many deliveries are being dispatched at a time
     * @param retryDelayMillis a delivery whose dispatch failed outright (its dead letter could not be written) is
     *                         taken again after this long
     * @param dispatchedDeliveries dispatch's record of completed deliveries, so that a restart does not dispatch
     *                         those again
     */
    public InboxJournal(Path journalDir, Path deadLetterDir, long segmentBytes, int maxInFlight, long retryDelayMillis,
            IdempotentRepository dispatchedDeliveries) {
        this.journalDir = journalDir;
        this.segmentBytes = segmentBytes;
        this.dispatchedDeliveries = dispatchedDeliveries;
        this.damage = new JournalDamage(journalDir.resolve("damaged"));
        this.position = new DispatchPosition(journalDir);
        this.cursor = new JournalCursor(segments, deadLetterDir, dispatchedDeliveries, damage, position, maxInFlight,
                retryDelayMillis);
    }

    /**
     * The ingress step: stores the sealed envelope in the body, named by CamelFileName (dead letters keep the name). It
     * completes once the envelope is fsync'd, or fails the exchange if it could not be (the answer is then 503).
     */
    public AsyncProcessor storeInInbox() {
        return new StoreInInbox(this);
    }

    /** A request not committed within this time (a disk that hangs) fails: the ingress answers 503. */
    public void setCommitTimeoutMs(long commitTimeoutMs) {
        this.commitTimeoutMs = commitTimeoutMs;
    }

    /**
     * Returns once the envelope is fsync'd in the journal, where dispatch finds it. Throws if it could not be made
     * durable: the caller answers 503 and Tito sends the webhook again.
     */
    public void store(String fileName, byte[] envelope) throws IOException {
        CompletableFuture<IOException> outcome = new CompletableFuture<>();
        append(fileName, envelope, outcome::complete);
        IOException failed;
        try {
            failed = outcome.get(); // within the commit time-out: the watchdog sees to that
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            // Possibly committed after all: then the next start restores it, and Tito's retry is a repeat.
            throw new IOException("interrupted while waiting for the inbox journal");
        } catch (ExecutionException e) {
            throw new IOException(e.getCause());
        }
        if (failed != null) {
            throw new IOException(failed.getMessage(), failed);
        }
    }

    /**
     * Queues the envelope for the next commit. {@code settled} hears once, from another thread: null when the envelope
     * is fsync'd, else why it could not be (within the commit time-out). Throws at once for a bad name or a stopped
     * journal.
     */
    void append(String fileName, byte[] envelope, Consumer<IOException> settled) throws IOException {
        byte[] name = fileName.getBytes(StandardCharsets.UTF_8);
        if (!JournalSegment.isInboxFileName(name)) {
            throw new IllegalArgumentException("not an inbox file name: " + fileName);
        }
        if (envelope == null) {
            throw new IllegalArgumentException("no envelope for " + fileName);
        }
        if (!accepting) {
            throw new IOException("the inbox journal is not running");
        }
        Append append = new Append(name, envelope, failure -> {
            uncommitted.decrementAndGet();
            settled.accept(failure);
        });
        uncommitted.incrementAndGet();
        waiting.add(append);
        if (!accepting && waiting.remove(append)) {
            // Stopped meanwhile, and the last commit did not take it: nothing would.
            append.settle(new IOException("the inbox journal is stopped"));
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

    /** Webhooks handed to the journal that wait for their commit now. */
    public long uncommitted() {
        return uncommitted.get();
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
        ServiceHelper.startService(dispatchedDeliveries);
        DispatchPosition.At at = position.load();
        segments.clear();
        nextSegmentNumber = at == null ? 0 : at.segment() + 1;
        try (var listing = Files.list(journalDir)) {
            for (Path path : listing.filter(p -> JournalSegment.numberOf(p) >= 0).sorted().toList()) {
                long number = JournalSegment.numberOf(path);
                nextSegmentNumber = Math.max(nextSegmentNumber, number + 1);
                if (at != null && number < at.segment()) {
                    retireLeftOver(path); // wholly dispatched: the relay stopped before retiring it
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
        completer = Executors.newSingleThreadExecutor(task -> daemon(task, "inbox-journal-completer"));
        committerThread = new Thread(this::commitWhileAccepting, "inbox-journal-committer");
        committerThread.setDaemon(true);
        committerThread.start();
        watchdog = Executors.newSingleThreadScheduledExecutor(task -> daemon(task, "inbox-journal-watchdog"));
        long checkMs = Math.max(10, Math.min(1000, commitTimeoutMs / 10));
        watchdog.scheduleWithFixedDelay(this::failOverdue, checkMs, checkMs, TimeUnit.MILLISECONDS);
    }

    /**
     * A segment that dispatch's saved position had passed when the relay stopped, before it was retired: deleted, or
     * kept aside if it holds damage (read through once to know; the damage is reported again).
     */
    private void retireLeftOver(Path path) throws IOException {
        JournalSegment segment = JournalSegment.fromEarlierRun(path);
        try {
            while (segment.readBytes < segment.committedBytes) {
                JournalSegment.Record record = segment.next(damage);
                if (record != null) {
                    segment.records++;
                    segment.readBytes = record.end();
                }
            }
        } finally {
            segment.closeReader();
        }
        if (segment.damaged) {
            damage.keepAside(segment);
        } else {
            Files.delete(path);
        }
    }

    private static Thread daemon(Runnable task, String name) {
        Thread thread = new Thread(task, name);
        thread.setDaemon(true);
        return thread;
    }

    /** Commits what is waiting and saves dispatch's position, so a clean stop leaves nothing to redo. */
    @Override
    protected void doStop() throws Exception {
        accepting = false;
        if (committerThread != null) {
            committerThread.join(commitTimeoutMs);
        }
        commitLock.lock();
        try {
            commitWaiting();
            closeWriting();
            closed = true; // a request that slipped in after this is refused: no segment is opened any more
        } finally {
            commitLock.unlock();
        }
        failWaiting(new IOException("the inbox journal is stopped"));
        if (completer != null) {
            completer.shutdown(); // after telling the requests of the last commits
            completer.awaitTermination(10, TimeUnit.SECONDS);
        }
        if (watchdog != null) {
            watchdog.shutdownNow();
        }
        cursor.savePosition(true);
    }

    /** The committer: one commit after the other, as long as requests arrive; the last one once stopped. */
    private void commitWhileAccepting() {
        while (accepting) {
            try {
                commitLock.lock();
                try {
                    Append first = waiting.poll(100, TimeUnit.MILLISECONDS);
                    if (first != null) {
                        commitWaiting(first);
                    }
                } finally {
                    commitLock.unlock();
                }
            } catch (InterruptedException e) {
                LOG.error("The inbox journal's committer was interrupted; it goes on");
            } catch (Throwable e) { // it must not die: a request it left waiting is answered 503 by the watchdog
                ThreadFailures.exitIfFatal("The inbox journal's committer", e);
                LOG.error("The inbox journal's committer failed; it goes on", e);
            }
        }
    }

    /** With the commit lock held: commits every request waiting now. */
    private void commitWaiting() {
        Append first = waiting.poll();
        if (first != null) {
            commitWaiting(first);
        }
    }

    /** With the commit lock held: writes {@code first} and every request waiting now to the segment, fsyncs once. */
    private void commitWaiting(Append first) {
        List<Append> batch = new ArrayList<>();
        batch.add(first);
        waiting.drainTo(batch, MAX_BATCH - 1);
        committing.add(batch);
        try {
            beforeWrite.run();
            ByteBuffer records = commitBuffer(batch.stream().mapToInt(Append::recordBytes).sum());
            batch.forEach(append -> JournalSegment.encode(append.name, append.envelope, records));
            JournalSegment segment = segmentToWrite();
            segment.append(records.flip(), segmentBytes);
            commits.incrementAndGet();
            committed.addAndGet(batch.size());
            settleLater(batch, null); // null: committed
            if (segment.committedBytes >= segmentBytes) {
                closeWriting();
            }
        } catch (IOException | RuntimeException | Error e) {
            // Out of memory or the like ends the process (the journal holds what was acknowledged). Any other Error
            // fails the batch as a storage failure would: each request is answered 503 now, not left in committing.
            ThreadFailures.exitIfFatal("The inbox journal's commit", e);
            LOG.error("Could not commit {} webhook(s) to the inbox journal: {}", batch.size(), e.toString());
            settleLater(batch, e instanceof IOException io ? io : new IOException(e));
            closeWriting(); // what reached the segment after its last commit may be torn; begin a new one
        }
        wakeReaders();
    }

    /**
     * Tells the requests of a commit its outcome on the completer thread: that finishes each request's route, which
     * costs far more than a commit's share of a request, so the committer begins the next commit meanwhile.
     */
    private void settleLater(List<Append> batch, IOException failure) {
        try {
            completer.execute(() -> {
                batch.forEach(append -> append.settle(failure));
                committing.remove(batch);
            });
        } catch (RejectedExecutionException stopped) { // the last commit of a stop
            batch.forEach(append -> append.settle(failure));
            committing.remove(batch);
        }
    }

    /** The watchdog: answers 503 to each request not committed within the commit time-out (a hung disk). */
    private void failOverdue() {
        long timeoutMs = commitTimeoutMs;
        long overdue = System.nanoTime() - TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        IOException timedOut = new IOException("the inbox journal did not commit within " + timeoutMs + " ms");
        int failed = 0;
        for (List<Append> batch : committing) {
            for (Append append : batch) {
                if (append.queuedAt - overdue < 0 && append.settle(timedOut)) {
                    failed++;
                }
            }
        }
        for (Append append : waiting) { // oldest first
            if (append.queuedAt - overdue >= 0) {
                break;
            }
            if (waiting.remove(append) && append.settle(timedOut)) {
                failed++;
            }
        }
        if (failed > 0) {
            LOG.error("The inbox journal did not commit {} webhook(s) within {} ms: answered 503", failed, timeoutMs);
        }
    }

    private void failWaiting(IOException failure) {
        for (Append append = waiting.poll(); append != null; append = waiting.poll()) {
            append.settle(failure);
        }
    }

    /**
     * The buffer a commit encodes its records into, cleared and limited to {@code bytes}: kept from commit to commit
     * (a commit of a hundred webhooks is a few hundred KB, which G1 would otherwise allocate outside its young regions).
     */
    private ByteBuffer commitBuffer(int bytes) {
        if (bytes > KEPT_COMMIT_BUFFER_BYTES) {
            return ByteBuffer.allocate(bytes); // a commit of big bodies: not kept, so that it costs memory only once
        }
        if (commitBuffer == null || commitBuffer.capacity() < bytes) {
            commitBuffer = ByteBuffer.allocate(Math.max(bytes, 1 << 20));
        }
        return commitBuffer.clear().limit(bytes);
    }

    private JournalSegment segmentToWrite() throws IOException {
        if (closed) {
            throw new IOException("the inbox journal is stopped");
        }
        if (writing == null) {
            Path path = journalDir.resolve(JournalSegment.fileName(nextSegmentNumber++));
            JournalSegment segment = JournalSegment.create(path);
            try {
                Fsync.directory(journalDir); // the new segment's name must survive a power cut too
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

    /** A request waiting for its envelope to be committed. */
    private static final class Append {
        final byte[] name;
        final byte[] envelope;
        final long queuedAt = System.nanoTime();
        private final Consumer<IOException> settled; // told the outcome once
        private final AtomicBoolean done = new AtomicBoolean();

        Append(byte[] name, byte[] envelope, Consumer<IOException> settled) {
            this.name = name;
            this.envelope = envelope;
            this.settled = settled;
        }

        int recordBytes() {
            return JournalSegment.recordBytes(name, envelope);
        }

        /** Tells the request its outcome (null: committed), unless it was told already; true if this told it. */
        boolean settle(IOException failure) {
            if (!done.compareAndSet(false, true)) {
                return false;
            }
            try {
                settled.accept(failure);
            } catch (RuntimeException e) { // the request's own failure; the others of its batch are still told
                LOG.error("Could not complete a request after its commit", e);
            }
            return true;
        }
    }
}
