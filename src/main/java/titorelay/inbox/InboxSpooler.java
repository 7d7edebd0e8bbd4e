package titorelay.inbox;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Iterator;
import java.util.Queue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

import org.apache.camel.spi.IdempotentRepository;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import titorelay.storage.OwnerOnly;
import titorelay.threads.ThreadFailures;

/**
 * The inbox journal's one background thread: reads the journal in order and writes each delivery as its file in
 * {@code inbox/} (no fsync: the journal holds the durable copy), at most {@code maxFilesAhead} ahead of dispatch,
 * and deletes a full segment once every delivery in it has left the inbox (keeps it aside if it was damaged).
 * Deliveries of an earlier run are written only if still to dispatch and not intact in the inbox already.
 */
final class InboxSpooler implements Runnable {

    private static final Logger LOG = LoggerFactory.getLogger(InboxSpooler.class);
    private static final long IDLE_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
    private static final long FULL_LOOK_NANOS = TimeUnit.SECONDS.toNanos(1);
    private static final long MAX_RETRY_MILLIS = 30_000;
    private static final String WRITING_PREFIX = ".incoming-";

    /** A delivery's file in the inbox, and the segment that holds it. */
    private record Spooled(Path file, JournalSegment segment) {
    }

    private final Queue<JournalSegment> segments;
    private final Path inboxDir;
    private final Path deadLetterDir;
    private final int maxFilesAhead;
    private final IdempotentRepository deliveryLog;
    private final JournalDamage damage;

    private final AtomicLong spooled = new AtomicLong();
    private final AtomicLong restored = new AtomicLong();
    private volatile String problem;
    private volatile int filesAhead;
    private volatile boolean stopWhenIdle;
    /** Inbox files written that were still there when last looked at, oldest first (this thread's alone). */
    private final ArrayDeque<Spooled> ahead = new ArrayDeque<>();
    private long lastFullLook;

    /** @param segments the journal's segments, oldest first, shared with the committing side */
    InboxSpooler(Queue<JournalSegment> segments, Path inboxDir, Path deadLetterDir, int maxFilesAhead,
            IdempotentRepository deliveryLog, JournalDamage damage) {
        this.segments = segments;
        this.inboxDir = inboxDir;
        this.deadLetterDir = deadLetterDir;
        this.maxFilesAhead = maxFilesAhead;
        this.deliveryLog = deliveryLog;
        this.damage = damage;
    }

    /** Deliveries of this run written to the inbox. */
    long spooled() {
        return spooled.get();
    }

    /** Deliveries of an earlier run written to the inbox again. */
    long restored() {
        return restored.get();
    }

    String problem() {
        return problem;
    }

    /** False while the inbox holds as many files as it may; then waking the spooler for new commits is no use. */
    boolean hasRoom() {
        return filesAhead < maxFilesAhead;
    }

    /** Ends the thread once there is nothing left it can do now; the next start does the rest. */
    void stopWhenIdle() {
        stopWhenIdle = true;
    }

    /** Removes the hidden files of writes a crash interrupted; call before the thread starts. */
    void removeUnfinishedWrites() throws IOException {
        try (DirectoryStream<Path> unfinished = Files.newDirectoryStream(inboxDir, WRITING_PREFIX + "*")) {
            for (Path file : unfinished) {
                Files.deleteIfExists(file);
            }
        }
    }

    @Override
    public void run() {
        long retryMillis = 100;
        while (!Thread.currentThread().isInterrupted()) {
            try {
                boolean progressed = spoolSome();
                retireSegments();
                problem = null;
                retryMillis = 100;
                if (!progressed) {
                    if (stopWhenIdle) {
                        return;
                    }
                    LockSupport.parkNanos(IDLE_NANOS);
                }
            } catch (IOException | RuntimeException | Error e) {
                ThreadFailures.exitIfFatal("The inbox spooler", e);
                if (problem == null) {
                    LOG.error("Cannot write into the inbox {} (the webhooks stay in its journal; trying again): {}",
                            inboxDir, e.toString());
                }
                problem = e.toString();
                if (stopWhenIdle) {
                    return;
                }
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(retryMillis));
                retryMillis = Math.min(retryMillis * 2, MAX_RETRY_MILLIS);
            }
        }
    }

    /**
     * Spools what is committed and not yet spooled, oldest segment first, while the inbox has room; false if nothing
     * changed.
     */
    private boolean spoolSome() throws IOException {
        boolean progressed = noteDispatched();
        for (JournalSegment segment : segments) {
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
                JournalSegment.Record record = segment.next(damage);
                if (record == null) {
                    break; // no intact record up to the committed end: zeros, a torn tail or damage, passed over
                }
                spool(segment, record);
                segment.records++; // only once spooled: a write that failed is tried again, and counted once
                segment.spooledBytes = record.end();
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

    private void spool(JournalSegment segment, JournalSegment.Record record) throws IOException {
        if (segment.fromEarlierRun) {
            if (!stillToDispatch(record)) {
                segment.gone++;
                return;
            }
            if (needsWriting(record)) {
                writeInboxFile(record.fileName(), record.envelope(), StandardCopyOption.REPLACE_EXISTING);
                restored.incrementAndGet();
            }
        } else {
            writeInboxFile(record.fileName(), record.envelope()); // never over another delivery
            spooled.incrementAndGet();
        }
        ahead.add(new Spooled(inboxDir.resolve(record.fileName()), segment));
    }

    /**
     * Counts the spooled files that dispatch has taken since; true if any. The oldest are looked at every time; all
     * of them now and then, since dispatch may finish a later delivery before an earlier one (a sink being retried).
     */
    private boolean noteDispatched() {
        boolean any = false;
        while (!ahead.isEmpty() && !Files.exists(ahead.peek().file())) {
            ahead.poll().segment().gone++;
            any = true;
        }
        long now = System.nanoTime();
        if (now - lastFullLook < (ahead.size() >= maxFilesAhead ? IDLE_NANOS : FULL_LOOK_NANOS)) {
            return any;
        }
        lastFullLook = now;
        for (Iterator<Spooled> files = ahead.iterator(); files.hasNext(); ) {
            Spooled file = files.next();
            if (!Files.exists(file.file())) {
                files.remove();
                file.segment().gone++;
                any = true;
            }
        }
        return any;
    }

    /** Deletes (or keeps aside, if damaged) each full, spooled segment none of whose deliveries is still in the inbox. */
    private void retireSegments() throws IOException {
        for (JournalSegment segment : segments) {
            if (!segment.spooled) {
                return;
            }
            if (segment.gone == segment.records) {
                if (segment.damaged) {
                    damage.keepAside(segment);
                } else {
                    Files.deleteIfExists(segment.path);
                }
                segments.remove(segment);
                LOG.debug("Retired inbox journal segment {}", segment);
            }
        }
    }

    /** A delivery of an earlier run is still to dispatch unless it is a dead letter or dispatch recorded it done. */
    private boolean stillToDispatch(JournalSegment.Record record) {
        if (Files.exists(deadLetterDir.resolve(record.fileName()))) {
            return false;
        }
        try {
            return !deliveryLog.contains(InboxEnvelope.parse(record.envelope()).deliveryKey());
        } catch (IllegalArgumentException notAnEnvelope) {
            return true; // dispatch says what is wrong with it, and keeps it as a dead letter
        }
    }

    /** Unless its file is in the inbox intact (a power cut can leave it empty or torn). */
    private boolean needsWriting(JournalSegment.Record record) throws IOException {
        Path inInbox = inboxDir.resolve(record.fileName());
        return !Files.exists(inInbox) || !Arrays.equals(Files.readAllBytes(inInbox), record.envelope());
    }

    /** Written under a hidden name first, which dispatch never reads, then renamed into place. */
    private void writeInboxFile(String fileName, byte[] envelope, StandardCopyOption... options) throws IOException {
        Path incoming = inboxDir.resolve(WRITING_PREFIX + fileName);
        OwnerOnly.write(incoming, envelope);
        Files.move(incoming, inboxDir.resolve(fileName), options);
    }
}
