package titorelay.deliverylog;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;


import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import titorelay.threads.ThreadFailures;

/**
 * The delivery log's only writer. Dispatch's hooks {@link #offer} events to a bounded queue and go on at once; this
 * thread applies what is queued every {@link #FLUSH_MS} ms (a new line once its delivery is
 * through, or after {@link LogWrites#HOLD_MS}), and trims old lines every hour. When
 * the queue is full (its store slow or broken), or holds too many body bytes, an event is dropped and counted: the
 * log is not part of the delivery guarantee, and never slows or fails a delivery. Nothing ends this thread but a stop
 * (or a failure of the JVM itself, see {@link ThreadFailures}): a failing write drops its batch's events, and the
 * writer goes on after a pause.
 */
final class LogWriter {

    /**
     * Short, so that what dispatch tells the log is garbage within a young collection or two (collections come every
     * few tens of milliseconds under load, and each copies what is still alive), and the console is up to date.
     */
    static final long FLUSH_MS = 50;
    private static final long TRIM_INTERVAL_MS = TimeUnit.HOURS.toMillis(1);
    private static final long WARN_INTERVAL_MS = TimeUnit.MINUTES.toMillis(1);
    private static final int MAX_BATCH = 5_000;
    private static final Logger LOG = LoggerFactory.getLogger(LogWriter.class);

    private final BlockingQueue<LogEvent> queue;
    private final AtomicLong queuedBytes = new AtomicLong();
    private final long maxQueuedBytes;
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicLong lastWarnAt = new AtomicLong(Long.MIN_VALUE / 2);
    private final LogStore store;
    private final LogRetention retention;
    private final Clock clock;
    private volatile boolean running;
    private Thread thread;
    private final AtomicLong applied = new AtomicLong();
    /** Whether the writer has nothing left: no batch being applied, no line held (for tests). */
    private volatile boolean settled = true;

    private final BodyFiles bodies;

    LogWriter(int queueSize, long maxQueuedBytes, LogStore store, LogRetention retention, BodyFiles bodies,
            Clock clock) {
        this.bodies = bodies;
        this.queue = new ArrayBlockingQueue<>(queueSize);
        this.maxQueuedBytes = maxQueuedBytes;
        this.store = store;
        this.retention = retention;
        this.clock = clock;
    }

    /** From a hook: queues the event, or drops and counts it. Never blocks. */
    void offer(LogEvent event) {
        int bytes = event.bytes();
        if (!running) {
            dropped.incrementAndGet(); // the relay is stopping: a sink finishing late
        } else if (queuedBytes.addAndGet(bytes) > maxQueuedBytes) {
            queuedBytes.addAndGet(-bytes);
            drop(1, "its queue holds " + maxQueuedBytes + " bytes of bodies");
        } else if (!queue.offer(event)) {
            queuedBytes.addAndGet(-bytes);
            drop(1, "its queue is full");
        }
    }

    private void drop(long events, String why) {
        dropped.addAndGet(events);
        long now = System.currentTimeMillis();
        long last = lastWarnAt.get();
        if (now - last >= WARN_INTERVAL_MS && lastWarnAt.compareAndSet(last, now)) {
            LOG.warn("The delivery log dropped events ({}; {} dropped since start): the deliveries themselves go on,"
                     + " but the console misses some of what they did", why, dropped.get());
        }
    }

    /** Events dropped since start (tito_delivery_log_dropped_total). */
    long dropped() {
        return dropped.get();
    }

    /** Events waiting (not those being written). */
    int queued() {
        return queue.size();
    }

    /** True when every event queued so far has been written or dropped, and no line waits for its outcome. */
    boolean settled() {
        return settled && queue.isEmpty();
    }

    /** Events written since start. */
    long applied() {
        return applied.get();
    }

    void start() {
        running = true;
        thread = new Thread(this::run, "delivery-log-writer");
        thread.setDaemon(true);
        thread.start();
    }

    /** Writes what is queued, then ends. */
    void stop() throws InterruptedException {
        running = false;
        if (thread != null) {
            LockSupport.unpark(thread);
            thread.join(TimeUnit.SECONDS.toMillis(10));
        }
    }

    private void run() {
        List<LogEvent> batch = new ArrayList<>();
        LogWrites writes = new LogWrites(store, bodies);
        long nextTrim = 0; // at start
        boolean trimming = false;
        while (running || !queue.isEmpty()) {
            try {
                if (clock.millis() >= nextTrim) {
                    nextTrim = clock.millis() + TRIM_INTERVAL_MS;
                    trimming = true;
                }
                if (trimming) {
                    // One small batch per turn: writing what dispatch did goes on meanwhile.
                    trimming = retention.trimSome(store);
                    if (!trimming) {
                        bodies.trim(retention.cutoffMillis());
                    }
                }
                collect(batch, trimming);
                settled = false;
                if (!batch.isEmpty() || writes.holding() > 0) {
                    apply(batch, writes, false);
                }
            } catch (Exception | Error failure) {
                failed(failure, batch.size() + writes.clear());
                pause();
            } finally {
                release(batch);
                batch.clear();
                settled = writes.holding() == 0;
            }
        }
        if (writes.holding() > 0) {
            try {
                apply(batch, writes, true);
            } catch (Exception | Error failure) {
                failed(failure, writes.clear());
            }
        }
        try {
            bodies.close();
        } catch (java.io.IOException | RuntimeException ignored) {
            // the relay stops; nothing was waiting to be written
        }
    }

    private void failed(Throwable failure, int lost) {
        ThreadFailures.exitIfFatal("The delivery log's writer", failure);
        drop(lost, "its store failed: " + failure);
        LOG.debug("The delivery log's writer failed", failure);
    }

    /**
     * Takes what is queued: waits for a first event, then one flush interval, so that it comes with those queued
     * meanwhile. (Never interrupted: an interrupt would close the store's file channel.)
     */
    private void collect(List<LogEvent> batch, boolean busy) throws InterruptedException {
        LogEvent first = busy ? queue.poll() : queue.poll(FLUSH_MS, TimeUnit.MILLISECONDS);
        if (first == null) {
            return;
        }
        batch.add(first);
        for (long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(FLUSH_MS);
             running && !busy && until - System.nanoTime() > 0; ) {
            LockSupport.parkNanos(this, until - System.nanoTime());
        }
        queue.drainTo(batch, MAX_BATCH - 1);
    }

    /** The batch's events, then the held lines that are due (all held lines with {@code all}). */
    private void apply(List<LogEvent> batch, LogWrites writes, boolean all) {
        for (LogEvent event : batch) {
            event.addTo(writes);
        }
        writes.execute(clock.millis(), all);
        applied.addAndGet(batch.size());
    }

    private void release(List<LogEvent> batch) {
        long bytes = 0;
        for (LogEvent event : batch) {
            bytes += event.bytes();
        }
        queuedBytes.addAndGet(-bytes);
    }

    private void pause() {
        try {
            Thread.sleep(1000);
        } catch (InterruptedException unexpected) {
            Thread.currentThread().interrupt();
        }
    }
}
