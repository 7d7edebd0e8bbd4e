package titorelay.inbox;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import java.util.zip.CRC32C;

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
 * acknowledged (its fsync did not return) and is ignored.</li>
 * </ul>
 */
public final class InboxJournal extends ServiceSupport {

    private static final Logger LOG = LoggerFactory.getLogger(InboxJournal.class);
    private static final int MAGIC = 0x5449544F; // "TITO", at the start of every record
    private static final int HEADER_BYTES = 12; // magic, name length, envelope length
    private static final int MAX_NAME_BYTES = 1024;
    private static final int MAX_BATCH = 4096;
    private static final int COMMIT_TIMEOUT_SECONDS = 30;
    private static final long LEADER_WAIT_NANOS = TimeUnit.MILLISECONDS.toNanos(5);
    private static final long IDLE_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
    private static final long FULL_LOOK_NANOS = TimeUnit.SECONDS.toNanos(1);
    private static final int ZERO_FILL_BYTES = 1 << 20;
    private static final long MAX_SPOOL_RETRY_MILLIS = 30_000;
    private static final String SEGMENT_SUFFIX = ".journal";
    static final String WRITING_PREFIX = ".incoming-";

    private final Path journalDir;
    private final Path inboxDir;
    private final Path deadLetterDir;
    private final long segmentBytes;
    private final int maxFilesAhead;
    private final IdempotentRepository deliveryLog;

    private final BlockingQueue<Append> waiting = new LinkedBlockingQueue<>();
    /** Every segment on disk, oldest first; the last one may be the one being written. */
    private final ConcurrentLinkedQueue<Segment> segments = new ConcurrentLinkedQueue<>();
    private final AtomicLong commits = new AtomicLong();
    private final AtomicLong committed = new AtomicLong();
    private final AtomicLong spooled = new AtomicLong();
    private final AtomicLong restored = new AtomicLong();
    private volatile boolean accepting;
    private volatile boolean stopping;
    private boolean closed; // under the commit lock
    private volatile String spoolProblem;
    private volatile int filesAhead;
    private Thread spooler;
    /** Held by the request leading a commit; guards the segment being written. */
    private final ReentrantLock commitLock = new ReentrantLock();
    private Segment writing;
    private long nextSegmentNumber;
    /** Inbox files the spooler wrote that were still there when last looked at, oldest first (the spooler's alone). */
    private final ArrayDeque<Spooled> ahead = new ArrayDeque<>();
    private long lastFullLook;

    /**
     * @param segmentBytes  a segment is closed, and the next one begun, once it holds this many bytes
     * @param maxFilesAhead at most this many spooled deliveries wait in the inbox for dispatch
     * @param deliveryLog   dispatch's record of completed deliveries, so that a restart does not spool those again
     */
    public InboxJournal(Path journalDir, Path inboxDir, Path deadLetterDir, long segmentBytes, int maxFilesAhead,
            IdempotentRepository deliveryLog) {
        this.journalDir = journalDir;
        this.inboxDir = inboxDir;
        this.deadLetterDir = deadLetterDir;
        this.segmentBytes = segmentBytes;
        this.maxFilesAhead = maxFilesAhead;
        this.deliveryLog = deliveryLog;
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
        if (name.length == 0 || name.length > MAX_NAME_BYTES || fileName.contains("/") || fileName.startsWith(".")) {
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
        return committed.get() - spooled.get();
    }

    /** Spooled deliveries still waiting in the inbox (as last seen); at most maxFilesAhead. */
    public int filesAhead() {
        return filesAhead;
    }

    /** True when every committed webhook is in the inbox, or the inbox holds as many as it may. */
    public boolean spoolCaughtUp() {
        return unspooled() == 0 || filesAhead >= maxFilesAhead;
    }

    /** Deliveries of an earlier run that the journal has put back into the inbox since start. */
    public long restored() {
        return restored.get();
    }

    public int segments() {
        return segments.size();
    }

    /** Why the spooler cannot write the inbox right now, or null when it can. */
    public String spoolProblem() {
        return spoolProblem;
    }

    @Override
    protected void doStart() throws Exception {
        Files.createDirectories(journalDir);
        Files.createDirectories(inboxDir);
        ServiceHelper.startService(deliveryLog);
        removeUnfinishedWrites();
        try (var listing = Files.list(journalDir)) {
            for (Path path : listing.filter(p -> p.getFileName().toString().endsWith(SEGMENT_SUFFIX)).sorted().toList()) {
                segments.add(Segment.fromEarlierRun(path));
                long number = Long.parseLong(path.getFileName().toString().replace(SEGMENT_SUFFIX, ""));
                nextSegmentNumber = Math.max(nextSegmentNumber, number + 1);
            }
        }
        if (!segments.isEmpty()) {
            LOG.info("The inbox journal holds {} segment(s) from an earlier run: spooling what is not in the inbox yet",
                    segments.size());
        }
        accepting = true;
        stopping = false;
        closed = false;
        spooler = new Thread(this::spoolLoop, "inbox-journal-spooler");
        spooler.setDaemon(true);
        spooler.start();
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
            commitWaiting();
        } finally {
            commitLock.unlock();
        }
        stopping = true;
        if (spooler != null) {
            LockSupport.unpark(spooler);
            spooler.join(TimeUnit.SECONDS.toMillis(10));
            spooler.interrupt();
        }
    }

    // --- committing ----------------------------------------------------------------------------------------------

    /** With the commit lock held: writes every request waiting now to the segment, fsyncs once, wakes them. */
    private void commitWaiting() {
        List<Append> batch = new ArrayList<>();
        waiting.drainTo(batch, MAX_BATCH);
        if (batch.isEmpty()) {
            return;
        }
        try {
            ByteBuffer buffer = ByteBuffer.allocate(batch.stream().mapToInt(Append::recordBytes).sum());
            batch.forEach(append -> append.writeTo(buffer));
            buffer.flip();
            Segment segment = segmentToWrite();
            long start = segment.committedBytes;
            zeroFill(segment, start + buffer.remaining());
            while (buffer.hasRemaining()) {
                segment.channel.write(buffer, start + buffer.position());
            }
            segment.channel.force(false);
            segment.committedBytes = start + buffer.limit();
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
        if (filesAhead < maxFilesAhead) {
            LockSupport.unpark(spooler); // else it looks by itself, now and then, whether dispatch took some
        }
    }

    /**
     * Makes the segment's file already hold zeros up to {@code end}: overwriting allocated blocks, an fsync needs to
     * flush only the data, which halves its cost. A zero where a record should start marks the end of the records.
     */
    private void zeroFill(Segment segment, long end) throws IOException {
        if (end <= segment.zeroFilledBytes) {
            return;
        }
        long target = Math.max(end, Math.min(segment.zeroFilledBytes + ZERO_FILL_BYTES, segmentBytes));
        ByteBuffer zeros = ByteBuffer.allocate((int) Math.min(ZERO_FILL_BYTES, target - segment.zeroFilledBytes));
        for (long at = segment.zeroFilledBytes; at < target; ) {
            zeros.clear().limit((int) Math.min(zeros.capacity(), target - at));
            at += segment.channel.write(zeros, at);
        }
        segment.zeroFilledBytes = target;
    }

    private Segment segmentToWrite() throws IOException {
        if (closed) {
            throw new IOException("the inbox journal is stopped");
        }
        if (writing == null) {
            Path path = journalDir.resolve("%020d%s".formatted(nextSegmentNumber++, SEGMENT_SUFFIX));
            FileChannel channel = FileChannel.open(path, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
            try {
                syncDirectory(journalDir); // the new segment's name must survive a power cut too
            } catch (IOException e) {
                channel.close();
                Files.deleteIfExists(path);
                throw e;
            }
            writing = new Segment(path, channel, false);
            segments.add(writing);
        }
        return writing;
    }

    private void closeWriting() {
        if (writing != null) {
            try {
                writing.channel.close();
            } catch (IOException e) {
                LOG.warn("Could not close inbox journal segment {}: {}", writing, e.toString());
            }
            writing.full = true;
            writing = null;
        }
    }

    // --- spooling into the inbox and retiring segments ------------------------------------------------------------

    private void spoolLoop() {
        long retryMillis = 100;
        while (!Thread.currentThread().isInterrupted()) {
            try {
                boolean progressed = spoolSome();
                retireSegments();
                spoolProblem = null;
                retryMillis = 100;
                if (!progressed) {
                    if (stopping) {
                        return;
                    }
                    LockSupport.parkNanos(IDLE_NANOS);
                }
            } catch (IOException | RuntimeException e) {
                if (spoolProblem == null) {
                    LOG.error("Cannot write into the inbox {} (the webhooks stay in its journal; trying again): {}",
                            inboxDir, e.toString());
                }
                spoolProblem = e.toString();
                if (stopping) {
                    return; // the next start spools them
                }
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(retryMillis));
                retryMillis = Math.min(retryMillis * 2, MAX_SPOOL_RETRY_MILLIS);
            }
        }
    }

    /**
     * Spools what is committed and not yet spooled, oldest segment first, while the inbox has room; false if nothing
     * changed.
     */
    private boolean spoolSome() throws IOException {
        boolean progressed = noteDispatched();
        for (Segment segment : segments) {
            if (segment.spooled) {
                continue;
            }
            boolean full = segment.full; // read before committedBytes: a full segment's size is final
            long end = segment.committedBytes;
            while (segment.spooledBytes < end) {
                if (ahead.size() >= maxFilesAhead) {
                    filesAhead = ahead.size();
                    return progressed; // the inbox is full; the rest waits in the journal
                }
                Record record = segment.read(segment.spooledBytes);
                if (record == null) {
                    end = segment.spooledBytes; // the end of an earlier run's records
                    break;
                }
                segment.records++;
                spool(segment, record);
                segment.spooledBytes = record.end;
                progressed = true;
            }
            if (full && segment.spooledBytes >= end) {
                segment.spooled = true;
                segment.closeReader();
            } else {
                break; // keep arrival order: later segments wait for this one
            }
        }
        filesAhead = ahead.size();
        return progressed;
    }

    private void spool(Segment segment, Record record) throws IOException {
        if (segment.fromEarlierRun) {
            if (!stillToDispatch(record)) {
                segment.gone++;
                return;
            }
            if (needsWriting(record)) {
                writeInboxFile(record.fileName, record.envelope, StandardCopyOption.REPLACE_EXISTING);
                restored.incrementAndGet();
            }
        } else {
            writeInboxFile(record.fileName, record.envelope); // never over another delivery
            spooled.incrementAndGet();
        }
        ahead.add(new Spooled(inboxDir.resolve(record.fileName), segment));
    }

    /**
     * Counts the spooled files that dispatch has taken since; true if any. The oldest are looked at every time; all
     * of them now and then, since dispatch may finish a later delivery before an earlier one (a sink being retried).
     */
    private boolean noteDispatched() {
        boolean any = false;
        while (!ahead.isEmpty() && !Files.exists(ahead.peek().file)) {
            ahead.poll().segment.gone++;
            any = true;
        }
        long now = System.nanoTime();
        if (now - lastFullLook < (ahead.size() >= maxFilesAhead ? IDLE_NANOS : FULL_LOOK_NANOS)) {
            return any;
        }
        lastFullLook = now;
        for (Iterator<Spooled> files = ahead.iterator(); files.hasNext(); ) {
            Spooled file = files.next();
            if (!Files.exists(file.file)) {
                files.remove();
                file.segment.gone++;
                any = true;
            }
        }
        return any;
    }

    /** Deletes each full, spooled segment none of whose deliveries is still in the inbox. */
    private void retireSegments() throws IOException {
        for (Segment segment : segments) {
            if (!segment.spooled) {
                return;
            }
            if (segment.gone == segment.records) {
                Files.deleteIfExists(segment.path);
                segments.remove(segment);
                LOG.debug("Retired inbox journal segment {}", segment);
            }
        }
    }

    /** A delivery of an earlier run is still to dispatch unless it is a dead letter or dispatch recorded it done. */
    private boolean stillToDispatch(Record record) {
        if (Files.exists(deadLetterDir.resolve(record.fileName))) {
            return false;
        }
        try {
            return !deliveryLog.contains(InboxEnvelope.parse(record.envelope).deliveryKey());
        } catch (IllegalArgumentException notAnEnvelope) {
            return true; // dispatch says what is wrong with it, and keeps it as a dead letter
        }
    }

    /** Unless its file is in the inbox intact (a power cut can leave it empty or torn). */
    private boolean needsWriting(Record record) throws IOException {
        Path inInbox = inboxDir.resolve(record.fileName);
        return !Files.exists(inInbox) || !Arrays.equals(Files.readAllBytes(inInbox), record.envelope);
    }

    /** Written under a hidden name first, which dispatch never reads, then renamed into place. */
    private void writeInboxFile(String fileName, byte[] envelope, StandardCopyOption... options) throws IOException {
        Path incoming = inboxDir.resolve(WRITING_PREFIX + fileName);
        Files.write(incoming, envelope);
        Files.move(incoming, inboxDir.resolve(fileName), options);
    }

    private void removeUnfinishedWrites() throws IOException {
        try (DirectoryStream<Path> unfinished = Files.newDirectoryStream(inboxDir, WRITING_PREFIX + "*")) {
            for (Path file : unfinished) {
                Files.deleteIfExists(file);
            }
        }
    }

    private static void syncDirectory(Path directory) throws IOException {
        try (FileChannel channel = FileChannel.open(directory, StandardOpenOption.READ)) {
            channel.force(true);
        }
    }

    private static long checksum(byte[] name, byte[] envelope) {
        CRC32C crc = new CRC32C();
        crc.update(name);
        crc.update(envelope);
        return crc.getValue();
    }

    // --- the records -----------------------------------------------------------------------------------------------

    /** On its way in: {@code magic, name length, envelope length, name, envelope, CRC-32C of name and envelope}. */
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

        void settle(Object result) {
            outcome = result;
            if (thread != Thread.currentThread()) {
                LockSupport.unpark(thread);
            }
        }

        int recordBytes() {
            return HEADER_BYTES + name.length + envelope.length + Long.BYTES;
        }

        void writeTo(ByteBuffer buffer) {
            buffer.putInt(MAGIC).putInt(name.length).putInt(envelope.length).put(name).put(envelope)
                    .putLong(checksum(name, envelope));
        }
    }

    /** One delivery read back from a segment, and where the next record starts. */
    private record Record(String fileName, byte[] envelope, long end) {
    }

    /** A delivery's file in the inbox, and the segment that holds it. */
    private record Spooled(Path file, Segment segment) {
    }

    /** A journal file: written by commits, read by the spooler, deleted once its deliveries are done. */
    private static final class Segment {
        final Path path;
        final FileChannel channel; // for writing; null for an earlier run's segment
        final boolean fromEarlierRun;
        volatile long committedBytes; // fsync'd; the spooler reads up to here
        volatile boolean full; // no more appends
        long zeroFilledBytes; // under the commit lock
        // The spooler's alone:
        FileChannel reader;
        long spooledBytes;
        boolean spooled; // every record read and spooled
        int records; // read so far
        int gone; // of those, how many have left the inbox (or never needed to be in it)

        Segment(Path path, FileChannel channel, boolean fromEarlierRun) {
            this.path = path;
            this.channel = channel;
            this.fromEarlierRun = fromEarlierRun;
        }

        static Segment fromEarlierRun(Path path) throws IOException {
            Segment segment = new Segment(path, null, true);
            segment.committedBytes = Files.size(path);
            segment.full = true;
            return segment;
        }

        /** The record at {@code position}, or null if what is there is not a whole, intact record. */
        Record read(long position) throws IOException {
            if (reader == null) {
                reader = FileChannel.open(path, StandardOpenOption.READ);
            }
            ByteBuffer header = readFully(position, HEADER_BYTES);
            if (header == null || header.getInt(0) == 0 && fromEarlierRun) {
                return null; // the end of the file, or of its records: the zeros written ahead of them
            }
            if (header.getInt() != MAGIC) {
                return torn();
            }
            int nameBytes = header.getInt();
            int envelopeBytes = header.getInt();
            if (nameBytes <= 0 || nameBytes > MAX_NAME_BYTES || envelopeBytes < 0
                    || position + HEADER_BYTES + nameBytes + envelopeBytes + Long.BYTES > committedBytes) {
                return torn();
            }
            ByteBuffer rest = readFully(position + HEADER_BYTES, nameBytes + envelopeBytes + Long.BYTES);
            if (rest == null) {
                return torn();
            }
            byte[] name = new byte[nameBytes];
            byte[] envelope = new byte[envelopeBytes];
            rest.get(name).get(envelope);
            if (rest.getLong() != checksum(name, envelope)) {
                return torn();
            }
            return new Record(new String(name, StandardCharsets.UTF_8), envelope,
                    position + HEADER_BYTES + nameBytes + envelopeBytes + Long.BYTES);
        }

        private ByteBuffer readFully(long position, int bytes) throws IOException {
            ByteBuffer buffer = ByteBuffer.allocate(bytes);
            while (buffer.hasRemaining()) {
                if (reader.read(buffer, position + buffer.position()) < 0) {
                    return null;
                }
            }
            return buffer.flip();
        }

        private Record torn() {
            if (fromEarlierRun) {
                LOG.warn("Inbox journal segment {} ends with an incomplete record, never acknowledged: ignored", this);
                return null;
            }
            throw new IllegalStateException("inbox journal segment " + this + " is damaged below its committed size");
        }

        void closeReader() throws IOException {
            if (reader != null) {
                reader.close();
                reader = null;
            }
        }

        @Override
        public String toString() {
            return path.getFileName().toString();
        }
    }
}
