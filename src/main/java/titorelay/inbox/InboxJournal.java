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
 * Where an acknowledged webhook is durable: an append-only journal under {@code inbox-journal/}, fsync'd once for
 * all the webhooks that arrive together (group commit), instead of a file, a file fsync and a directory fsync each.
 * <ul>
 * <li><b>Commit</b>: a request that finds no commit under way leads one: it writes its own envelope and every one
 * waiting at that moment to the current segment, fsyncs once, and wakes the requests it carried, which are then
 * answered 202. Requests arriving meanwhile wait, and the first of them leads the next commit. Segments are
 * zero-filled ahead of the writes, so that a commit flushes data only, not the file's size and block map as well.</li>
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
    private static final int COMMIT_TIMEOUT_SECONDS = 30;
    private static final long LEADER_WAIT_NANOS = TimeUnit.MILLISECONDS.toNanos(5);
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
    private volatile boolean accepting;
    private Thread spoolerThread;
    /** Held by the request leading a commit; guards the segment being written. */
    private final ReentrantLock commitLock = new ReentrantLock();
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

    /** The ingress step: stores the sealed envelope in the body, to become the inbox file named in CamelFileName. */
    public Processor storeInInbox() {
        return exchange -> store(exchange.getMessage().getHeader(Exchange.FILE_NAME, String.class),
                exchange.getMessage().getBody(byte[].class));
    }

    /**
     * Returns once the envelope is fsync'd in the journal; its inbox file {@code fileName} follows shortly. Throws if
     * it could not be made durable: the caller answers 503 and Tito sends the webhook again.
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

    /** fsyncs of the journal so far: under concurrent load, far fewer than {@link #committed()}. */
    public long commits() {
        return commits.get();
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
    }

    /** Commits what is waiting, then spools what is committed (for a while), so a clean stop leaves no backlog. */
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
        spooler.stopWhenIdle();
        if (spoolerThread != null) {
            LockSupport.unpark(spoolerThread);
            spoolerThread.join(TimeUnit.SECONDS.toMillis(10));
            spoolerThread.interrupt();
        }
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
        if (spooler.hasRoom()) {
            LockSupport.unpark(spoolerThread); // else it looks by itself, now and then, whether dispatch took some
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
