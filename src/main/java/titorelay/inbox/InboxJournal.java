package titorelay.inbox;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
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

/**
 * Where an acknowledged webhook is durable: an append-only journal under {@code inbox-journal/}, fsync'd once for
 * all the webhooks that arrive together (group commit), instead of a file, a file fsync and a directory fsync each.
 * <ul>
 * <li><b>Commit</b> (one thread): takes every request waiting at that moment, writes their envelopes to the current
 * segment, fsyncs once, and hands the requests it carried to the completer thread, which finishes their routes (they
 * are answered 202) while the next commit runs. Requests arriving
 * meanwhile wait for the next commit, which begins as soon as this one is done. No thread waits with a request: the
 * ingress step is asynchronous, and a request not committed within the commit time-out is answered 503 by the
 * watchdog. Segments are zero-filled ahead of the writes, so that a commit flushes data only, not the file's size
 * and block map as well.</li>
 * <li><b>Spooler</b> (one thread): reads the journal in order and writes each delivery as its file in {@code inbox/},
 * where dispatch reads it. These files need no fsync: the journal holds the durable copy. At most
 * {@code maxFilesAhead} of them wait there at a time; the rest wait in the journal until dispatch has taken some,
 * so a burst costs no file system work beyond what dispatch can use, and the inbox stays quick to list. If the inbox
 * cannot be written, the spooler keeps trying (health says so) while webhooks are still accepted.</li>
 * <li><b>Retiring</b>: a full segment is deleted once every delivery in it has been spooled and has left the inbox
 * (dispatched, or kept as a dead letter).</li>
 * <li><b>Restart</b>: segments still present are spooled again, skipping a delivery whose file is already in the inbox
 * intact, that is a dead letter, or that dispatch recorded as done. A torn record at a segment's end was never
 * acknowledged (its fsync did not return) and is ignored. Damage elsewhere (intact records after it) is passed over to
 * the next intact record, logged at ERROR and counted; the segment is then kept in {@code damaged/}, never deleted.</li>
 * </ul>
 */
public final class InboxJournal extends ServiceSupport {

    private static final Logger LOG = LoggerFactory.getLogger(InboxJournal.class);
    private static final int MAX_BATCH = 4096;
    private static final String SEGMENT_SUFFIX = ".journal";

    private final Path journalDir;
    private final Path inboxDir;
    private final long segmentBytes;
    private final IdempotentRepository deliveryLog;

    private final BlockingQueue<Append> waiting = new LinkedBlockingQueue<>();
    /** Every segment on disk, oldest first; the last one may be the one being written. */
    private final ConcurrentLinkedQueue<JournalSegment> segments = new ConcurrentLinkedQueue<>();
    private final InboxSpooler spooler;
    private final JournalDamage damage;
    private final AtomicLong commits = new AtomicLong();
    private final AtomicLong committed = new AtomicLong();
    private final AtomicLong uncommitted = new AtomicLong();
    private volatile long commitTimeoutMs = 30_000;
    private volatile boolean accepting;
    private Thread spoolerThread;
    private Thread committerThread;
    private ScheduledExecutorService watchdog;
    /** The requests of the commits not answered yet, for the watchdog. */
    private final Set<List<Append>> committing = ConcurrentHashMap.newKeySet();
    private ExecutorService completer;
    /** Held by the committer during a commit; guards the segment being written. (Tests hold it to stall commits.) */
    final ReentrantLock commitLock = new ReentrantLock();
    private JournalSegment writing;
    private boolean closed;
    private long nextSegmentNumber;

    /**
     * @param segmentBytes  a segment is closed, and the next one begun, once it holds this many bytes
     * @param maxFilesAhead at most this many spooled deliveries wait in the inbox for dispatch
     * @param deliveryLog   dispatch's record of completed deliveries, so that a restart does not spool those again
     */
    public InboxJournal(Path journalDir, Path inboxDir, Path deadLetterDir, long segmentBytes, int maxFilesAhead,
            IdempotentRepository deliveryLog) {
        this.journalDir = journalDir;
        this.inboxDir = inboxDir;
        this.segmentBytes = segmentBytes;
        this.deliveryLog = deliveryLog;
        this.damage = new JournalDamage(journalDir.resolve("damaged"));
        this.spooler = new InboxSpooler(segments, inboxDir, deadLetterDir, maxFilesAhead, deliveryLog, damage);
    }

    /**
     * The ingress step: stores the sealed envelope in the body, to become the inbox file named in CamelFileName. It
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
     * Returns once the envelope is fsync'd in the journal; its inbox file {@code fileName} follows shortly. Throws if
     * it could not be made durable: the caller answers 503 and Tito sends the webhook again.
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

    /** Webhooks committed since start whose inbox file is not written yet. */
    public long unspooled() {
        return committed.get() - spooler.spooled();
    }

    /** True when every committed webhook is in the inbox, or the inbox holds as many as it may. */
    public boolean spoolCaughtUp() {
        return unspooled() == 0 || !spooler.hasRoom();
    }

    /** Deliveries of an earlier run that the journal has put back into the inbox since start. */
    public long restored() {
        return spooler.restored();
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

    /** Why the spooler cannot write the inbox right now, or null when it can. */
    public String spoolProblem() {
        return spooler.problem();
    }

    @Override
    protected void doStart() throws Exception {
        Files.createDirectories(journalDir);
        Files.createDirectories(inboxDir);
        ServiceHelper.startService(deliveryLog);
        spooler.removeUnfinishedWrites();
        try (var listing = Files.list(journalDir)) {
            for (Path path : listing.filter(p -> p.getFileName().toString().endsWith(SEGMENT_SUFFIX)).sorted().toList()) {
                segments.add(JournalSegment.fromEarlierRun(path));
                long number = Long.parseLong(path.getFileName().toString().replace(SEGMENT_SUFFIX, ""));
                nextSegmentNumber = Math.max(nextSegmentNumber, number + 1);
            }
        }
        if (!segments.isEmpty()) {
            LOG.info("The inbox journal holds {} segment(s) from an earlier run: spooling what is not in the inbox yet",
                    segments.size());
        }
        accepting = true;
        closed = false;
        spoolerThread = new Thread(spooler, "inbox-journal-spooler");
        spoolerThread.setDaemon(true);
        spoolerThread.start();
        completer = Executors.newSingleThreadExecutor(task -> daemon(task, "inbox-journal-completer"));
        committerThread = new Thread(this::commitWhileAccepting, "inbox-journal-committer");
        committerThread.setDaemon(true);
        committerThread.start();
        watchdog = Executors.newSingleThreadScheduledExecutor(task -> daemon(task, "inbox-journal-watchdog"));
        long checkMs = Math.max(10, Math.min(1000, commitTimeoutMs / 10));
        watchdog.scheduleWithFixedDelay(this::failOverdue, checkMs, checkMs, TimeUnit.MILLISECONDS);
    }

    private static Thread daemon(Runnable task, String name) {
        Thread thread = new Thread(task, name);
        thread.setDaemon(true);
        return thread;
    }

    /** Commits what is waiting, then spools what is committed (for a while), so a clean stop leaves no backlog. */
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
        spooler.stopWhenIdle();
        if (spoolerThread != null) {
            LockSupport.unpark(spoolerThread);
            spoolerThread.join(TimeUnit.SECONDS.toMillis(10));
            spoolerThread.interrupt();
        }
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
            ByteBuffer records = ByteBuffer.allocate(batch.stream().mapToInt(Append::recordBytes).sum());
            batch.forEach(append -> JournalSegment.encode(append.name, append.envelope, records));
            JournalSegment segment = segmentToWrite();
            segment.append(records.flip(), segmentBytes);
            commits.incrementAndGet();
            committed.addAndGet(batch.size());
            settleLater(batch, null); // null: committed
            if (segment.committedBytes >= segmentBytes) {
                closeWriting();
            }
        } catch (IOException | RuntimeException e) {
            LOG.error("Could not commit {} webhook(s) to the inbox journal: {}", batch.size(), e.toString());
            settleLater(batch, e instanceof IOException io ? io : new IOException(e));
            closeWriting(); // what reached the segment after its last commit may be torn; begin a new one
        }
        if (spooler.hasRoom()) {
            LockSupport.unpark(spoolerThread); // else it looks by itself, now and then, whether dispatch took some
        }
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

    private JournalSegment segmentToWrite() throws IOException {
        if (closed) {
            throw new IOException("the inbox journal is stopped");
        }
        if (writing == null) {
            Path path = journalDir.resolve("%020d%s".formatted(nextSegmentNumber++, SEGMENT_SUFFIX));
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
