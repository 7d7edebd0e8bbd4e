package titorelay.inbox;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.apache.camel.spi.IdempotentRepository;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Dispatch's place in the inbox journal, as a consumer's position in a log: deliveries are taken in the order they
 * were committed, several at a time (a sink may hold one until its batch is written), and each is marked done when
 * its dispatch ends. The position is where the oldest delivery not yet done starts; everything before it is done, so
 * it is all that must survive a crash ({@link DispatchPosition}), and segments wholly before it are deleted (or kept
 * aside if damaged). A restart begins at the position: a delivery done after it is dispatched again, and dropped as a
 * repeat, or skipped here if dispatch recorded it done or it is a dead letter already.
 * <p>
 * At most {@code maxInFlight} deliveries are taken and not yet done; the rest wait in the journal. A delivery whose
 * dispatch failed outright (its dead letter could not be written) is not done: it is taken again after
 * {@code retryDelayMillis}, with its retries, until it is dispatched or kept.
 */
final class JournalCursor {

    private static final Logger LOG = LoggerFactory.getLogger(JournalCursor.class);
    private static final long POSITION_INTERVAL_NANOS = TimeUnit.MILLISECONDS.toNanos(200);

    /** A delivery taken from the journal: its segment, where its record starts, its name and envelope. */
    static final class Taken {
        final JournalSegment segment;
        final long start;
        final String fileName;
        /** Let go of once done: done ones behind a delivery still retrying may stay in the list a while. */
        byte[] envelope;
        private boolean done; // under the cursor's lock
        private long retryAt;

        private Taken(JournalSegment segment, long start, JournalSegment.Record record) {
            this.segment = segment;
            this.start = start;
            this.fileName = record.fileName();
            this.envelope = record.envelope();
        }
    }

    private final Queue<JournalSegment> segments;
    private final Path deadLetterDir;
    private final IdempotentRepository dispatchedDeliveries;
    private final JournalDamage damage;
    private final DispatchPosition position;
    private final int maxInFlight;
    private final long retryDelayNanos;

    // Under this object's lock:
    /** Taken, in journal order; done ones leave from the front, so the first one not done is the position. */
    private final ArrayDeque<Taken> taken = new ArrayDeque<>();
    private final List<Taken> retries = new ArrayList<>();
    private int inFlight;
    private DispatchPosition.At saved;
    private long savedAt;

    private final AtomicLong dispatchedOfThisRun = new AtomicLong();
    private volatile String problem;

    JournalCursor(Queue<JournalSegment> segments, Path deadLetterDir, IdempotentRepository dispatchedDeliveries,
            JournalDamage damage, DispatchPosition position, int maxInFlight, long retryDelayMillis) {
        this.segments = segments;
        this.deadLetterDir = deadLetterDir;
        this.dispatchedDeliveries = dispatchedDeliveries;
        this.damage = damage;
        this.position = position;
        this.maxInFlight = maxInFlight;
        this.retryDelayNanos = TimeUnit.MILLISECONDS.toNanos(retryDelayMillis);
    }

    /**
     * The next delivery to dispatch: one whose dispatch failed and is due again, else the next record in the journal;
     * null if there is none now, or as many are in flight as may be.
     */
    synchronized Taken take() throws IOException {
        long now = System.nanoTime();
        for (Iterator<Taken> due = retries.iterator(); due.hasNext(); ) {
            Taken again = due.next();
            if (now - again.retryAt >= 0) {
                due.remove();
                return again;
            }
        }
        while (inFlight < maxInFlight) {
            JournalSegment segment = readingSegment();
            if (segment == null) {
                return null;
            }
            JournalSegment.Record record = segment.next(damage);
            if (record == null) {
                continue; // readingSegment() moves on if this one is full, or says there is nothing yet
            }
            // Asked before anything moves: if the dedupe store fails, the same record is read again next time.
            boolean doneBefore = segment.fromEarlierRun && !stillToDispatch(record);
            Taken next = new Taken(segment, segment.readBytes, record);
            segment.records++;
            segment.readBytes = record.end();
            taken.add(next);
            if (doneBefore) {
                next.done = true; // dispatched before the restart, though the position had not been saved
                next.envelope = null;
                continue;
            }
            inFlight++;
            return next;
        }
        return null;
    }

    /** The dispatch of {@code delivery} ended: done (dispatched, or kept as a dead letter), or to be taken again. */
    synchronized void ended(Taken delivery, boolean done) {
        if (done) {
            delivery.done = true;
            delivery.envelope = null;
            inFlight--;
            if (!delivery.segment.fromEarlierRun) {
                dispatchedOfThisRun.incrementAndGet();
            }
        } else {
            delivery.retryAt = System.nanoTime() + retryDelayNanos;
            retries.add(delivery);
        }
    }

    /**
     * Saves the position if it moved (at most every 200 ms unless {@code now}) and retires the segments before it.
     * Called by dispatch's reading thread between deliveries, and when the journal stops.
     */
    synchronized void savePosition(boolean now) {
        while (!taken.isEmpty() && taken.peek().done) {
            taken.poll();
        }
        DispatchPosition.At at = currentPosition();
        if (at == null || at.equals(saved) || !now && System.nanoTime() - savedAt < POSITION_INTERVAL_NANOS) {
            return;
        }
        savedAt = System.nanoTime();
        try {
            position.save(at);
            saved = at;
            if (problem != null) {
                LOG.info("The dispatch position is saved again");
            }
            problem = null;
            retireSegmentsBefore(at);
        } catch (IOException | RuntimeException e) {
            if (problem == null) {
                LOG.error("Cannot save the dispatch position in {} (deliveries are still dispatched; after a restart "
                          + "some would be dispatched again, and dropped as repeats): {}", position, e.toString());
            }
            problem = e.toString();
        }
    }

    /** Deliveries committed in this run whose dispatch ended. */
    long dispatchedOfThisRun() {
        return dispatchedOfThisRun.get();
    }

    /** Deliveries taken and not yet done. */
    synchronized int inFlight() {
        return inFlight;
    }

    synchronized boolean isTakenAndNotDone(String name) {
        for (Taken delivery : taken) {
            if (!delivery.done && delivery.fileName.equals(name)) {
                return true;
            }
        }
        return false;
    }

    /** True when every committed delivery has been taken and its dispatch is done. */
    synchronized boolean caughtUp() {
        if (inFlight > 0) {
            return false;
        }
        for (JournalSegment segment : segments) {
            if (segment.readBytes < segment.committedBytes) {
                return false;
            }
        }
        return true;
    }

    /** Why the position cannot be saved, or null. */
    String problem() {
        return problem;
    }

    /**
     * The deliveries not dispatched yet, in journal order: those in flight, then those not taken yet (read from the
     * segments without moving the cursor). For the tests and tools that show what waits.
     */
    synchronized List<StoredDelivery> waiting() throws IOException {
        List<StoredDelivery> waiting = new ArrayList<>();
        for (Taken delivery : taken) {
            if (!delivery.done) {
                waiting.add(new StoredDelivery(delivery.fileName, delivery.envelope));
            }
        }
        for (JournalSegment segment : segments) {
            for (JournalSegment.Record record : JournalSegment.recordsOf(segment.path, segment.readBytes,
                    segment.committedBytes)) {
                waiting.add(new StoredDelivery(record.fileName(), record.envelope()));
            }
        }
        return waiting;
    }

    /** The segment to read next: the first not read to its end; null if every committed record has been read. */
    private JournalSegment readingSegment() throws IOException {
        for (JournalSegment segment : segments) {
            if (segment.read) {
                continue;
            }
            boolean full = segment.full; // read before committedBytes: a full segment's size is final
            if (segment.readBytes < segment.committedBytes) {
                return segment;
            }
            if (!full) {
                return null; // the segment being written: nothing more committed yet
            }
            segment.read = true;
            segment.closeReader();
        }
        return null;
    }

    /** With the lock held: where a restart must begin, or null if nothing has been read yet. */
    private DispatchPosition.At currentPosition() {
        Taken oldest = taken.peek();
        if (oldest != null) {
            return new DispatchPosition.At(oldest.segment.number, oldest.start);
        }
        JournalSegment last = null;
        for (JournalSegment segment : segments) {
            if (segment.readBytes < segment.committedBytes || !segment.read) {
                return new DispatchPosition.At(segment.number, segment.readBytes);
            }
            last = segment;
        }
        return last == null ? null : new DispatchPosition.At(last.number + 1, 0);
    }

    /** Deletes (or keeps aside, if damaged) each segment that lies wholly before the saved position. */
    private void retireSegmentsBefore(DispatchPosition.At at) throws IOException {
        for (JournalSegment segment : segments) {
            if (segment.number >= at.segment() || !segment.read) {
                return;
            }
            if (segment.damaged) {
                damage.keepAside(segment);
            } else {
                Files.deleteIfExists(segment.path);
            }
            segments.remove(segment);
            LOG.debug("Retired inbox journal segment {}", segment);
        }
    }

    /** A delivery of an earlier run is still to dispatch unless it is a dead letter or dispatch recorded it done. */
    private boolean stillToDispatch(JournalSegment.Record record) {
        if (Files.exists(deadLetterDir.resolve(record.fileName()))) {
            return false;
        }
        try {
            return !dispatchedDeliveries.contains(InboxEnvelope.parse(record.envelope()).deliveryKey());
        } catch (IllegalArgumentException notAnEnvelope) {
            return true; // dispatch says what is wrong with it, and keeps it as a dead letter
        }
    }
}
