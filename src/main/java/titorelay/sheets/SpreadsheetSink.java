package titorelay.sheets;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

import com.fasterxml.jackson.databind.JsonNode;
import org.apache.camel.AsyncCallback;
import org.apache.camel.AsyncProcessor;
import org.apache.camel.Exchange;
import org.apache.camel.support.AsyncProcessorSupport;
import org.apache.camel.support.service.ServiceSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import titorelay.inbox.DispatchOwnership;
import titorelay.inbox.DispatchOwnershipLost;
import titorelay.inbox.SinkFailedException;
import titorelay.sheets.SheetColumns.RowChange;
import titorelay.threads.ThreadFailures;
import titorelay.Headers;
import titorelay.WebhookPayload;

/**
 * The spreadsheet sink. Each webhook's row changes wait here, and a single writer thread sends everything pending in
 * one write at most once per flush interval (Google allows 60 writes a minute). A webhook's exchange completes only
 * once its row is written, so dispatch's position in the inbox journal stays before it until then: a crash loses no
 * pending row.
 * <p>
 * Quota (429), Google's own errors (5xx) and time-outs are retried with doubling delays that honour Retry-After,
 * with later changes folded into the same write, so nothing is lost or reordered. A permanent error (no such
 * spreadsheet, no permission) fails the waiting webhooks, which dispatch retries and then keeps as dead letters,
 * and turns health DOWN until a write succeeds again. A write Google refuses as a bad request (400) is written again
 * in parts ({@link RefusedBatch}), so that only the webhook whose rows it refuses fails.
 */
public final class SpreadsheetSink extends ServiceSupport {

    private static final Logger LOG = LoggerFactory.getLogger(SpreadsheetSink.class);
    /** The exchange property that holds a webhook's row changes, for the delivery log once they are written. */
    public static final String ROWS = "TitoSheetRows";

    private record Waiting(List<RowChange> changes, Exchange exchange, AsyncCallback callback) {
    }

    private final SheetColumns columns;
    private final Spreadsheet sheet;
    private final long flushIntervalMs;
    private final long maxBackoffMs;
    private final Semaphore room;
    private final LinkedBlockingQueue<Waiting> incoming = new LinkedBlockingQueue<>();
    private final SheetBook book;
    private final AtomicReference<String> problem = new AtomicReference<>();
    private volatile boolean running;
    /** The relay is stopping: write whatever is pending at once, not at the next flush time. */
    private volatile boolean draining;
    private Thread writer;
    /** Completing a webhook continues its route (dedupe, inbox clean-up): not on the writer's thread. */
    private ExecutorService completions;
    /** Taken off the queue while idle; it goes before anything queued after it. Writer thread only. */
    private Waiting firstArrival;
    /** What is left to write of a batch Google refused (400). Writer thread only. */
    private final RefusedBatch<Waiting> refused = new RefusedBatch<>();
    /** Says when another relay may have written the sheet since the book was read (then it is read again). */
    private DispatchOwnership ownership = () -> 0;
    /** The ownership's term when the book was read. Writer thread only. */
    private long bookTerm;

    public SpreadsheetSink(SheetColumns columns, Spreadsheet sheet, long flushIntervalMs, long maxBackoffMs, int maxWaiting) {
        this.columns = columns;
        this.sheet = sheet;
        this.flushIntervalMs = flushIntervalMs;
        this.maxBackoffMs = maxBackoffMs;
        this.room = new Semaphore(maxWaiting);
        this.book = new SheetBook(columns);
    }

    /** Before the start: with several relays, the book is read again whenever this one may not have been the only writer. */
    public void setOwnership(DispatchOwnership ownership) {
        this.ownership = ownership;
    }

    /** The processor routes/spreadsheet.yaml calls: completes when this webhook's rows are in the sheet. */
    public AsyncProcessor processor() {
        return new AsyncProcessorSupport() {
            @Override
            public boolean process(Exchange exchange, AsyncCallback callback) {
                return accept(exchange, callback);
            }
        };
    }

    /** Why the spreadsheet cannot be written, for the health check; null while all is well. */
    public String problem() {
        return problem.get();
    }

    public String describe() {
        return sheet.describe();
    }

    private boolean accept(Exchange exchange, AsyncCallback callback) {
        List<RowChange> changes;
        try {
            String name = exchange.getMessage().getHeader(Headers.WEBHOOK_NAME, String.class);
            if (!columns.describes(name)) {
                throw new IllegalArgumentException("Routed to the spreadsheet, but no tab of the columns file"
                                                   + " (sheets.columns-file) says how " + name + " fills it");
            }
            JsonNode payload = WebhookPayload.of(exchange);
            changes = columns.changesFor(name, payload);
            exchange.setProperty(ROWS, changes);
        } catch (RuntimeException e) {
            exchange.setException(e);
            callback.done(true);
            return true;
        }
        if (changes.isEmpty()) {
            callback.done(true);
            return true;
        }
        try {
            // Back-pressure: dispatch waits here rather than holding unbounded rows in memory.
            room.acquire();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            exchange.setException(e);
            callback.done(true);
            return true;
        }
        // The payload is not needed any more: only its row changes wait for the write (the delivery's envelope stays
        // with dispatch), so thousands of deliveries waiting cost little memory.
        exchange.getMessage().setBody(null);
        incoming.add(new Waiting(changes, exchange, callback));
        return false;
    }

    /**
     * Called as the relay starts stopping, while routes (and so the Google calls) still run: what is pending is written
     * now, so the deliveries waiting for it complete within the shutdown's grace period.
     */
    public void drain() {
        draining = true;
        Thread current = writer;
        if (current != null) {
            LockSupport.unpark(current);
        }
    }

    @Override
    protected void doStart() {
        running = true;
        completions = Executors.newSingleThreadExecutor(r -> {
            Thread thread = new Thread(r, "spreadsheet-completions");
            thread.setDaemon(true);
            return thread;
        });
        writer = new Thread(this::writeLoop, "spreadsheet-writer");
        writer.setDaemon(true);
        writer.start();
    }

    @Override
    protected void doStop() throws InterruptedException {
        running = false; // the writer flushes what is pending, then ends
        LockSupport.unpark(writer);
        writer.join(TimeUnit.SECONDS.toMillis(30));
        completions.shutdown();
        completions.awaitTermination(30, TimeUnit.SECONDS);
    }

    private void writeLoop() {
        List<Waiting> batch = new ArrayList<>();
        long backoff = 0;
        long lastWrite = 0;
        while (running || firstArrival != null || !incoming.isEmpty() || !batch.isEmpty() || refused.hasParts()) {
            long wait = backoff > 0 ? backoff : lastWrite + flushIntervalMs - System.currentTimeMillis();
            if (draining && backoff == 0) {
                wait = 0;
            }
            // Parked, not slept: drain() wakes it without an interrupt, which would break a Google call under way.
            for (long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(wait);
                 wait > 0 && running && !(draining && backoff == 0) && until - System.nanoTime() > 0; ) {
                LockSupport.parkNanos(this, until - System.nanoTime());
            }
            // Idle once the rows written last were checked where they were put (SheetBook: a read of its own at
            // the next flush time, when no webhook came for a write to read before), and what the check found to
            // write again is written.
            if (firstArrival == null && incoming.isEmpty() && batch.isEmpty() && !refused.hasParts()
                && !book.hasRowsToCheck() && !book.hasPendingWrites()) {
                backoff = 0;
                awaitFirstArrival();
                continue;
            }
            // Only a write Google refuses says something about the webhooks' rows; a 400 to reading the sheet or adding
            // its tabs does not, and no part of the batch would fare better (it is then a permanent error).
            boolean writing = false;
            try {
                long term = ownership.term();
                if (term != bookTerm && batch.isEmpty() && !refused.hasParts()) {
                    // Another relay may have written rows since they were read: their age checks need them as they are.
                    book.reset();
                    bookTerm = term;
                }
                if (!book.isLoaded()) {
                    book.load(sheet);
                }
                if (batch.isEmpty() && refused.hasParts()) {
                    batch = refused.nextPart();
                    batch.forEach(waiting -> waiting.changes().forEach(book::apply));
                }
                for (Waiting next; !refused.busy() && (next = nextArrival()) != null; ) {
                    next.changes().forEach(book::apply);
                    batch.add(next);
                }
                List<CellRange> cells = book.pendingWrites(sheet);
                lastWrite = System.currentTimeMillis();
                if (!cells.isEmpty()) {
                    // Only while what it dispatches is still this relay's: never beside another relay's writes.
                    ownership.confirm();
                    writing = true;
                    sheet.write(cells);
                }
                book.written();
                refused.settled();
                complete(batch, null);
                batch = new ArrayList<>();
                backoff = 0;
                if (problem.getAndSet(null) != null) {
                    LOG.info("{} is writable again", sheet.describe());
                }
            } catch (DispatchOwnershipLost lost) {
                // Not written: another relay may have these webhooks now, and writes their rows itself. They go back
                // to dispatch, which gives them up uncommitted; what was read of the sheet is stale.
                LOG.warn("Not writing {} row change(s) to {}: {}", batch.size(), sheet.describe(), lost.getMessage());
                book.reset();
                refused.settled();
                for (Waiting next; (next = nextArrival()) != null; ) {
                    batch.add(next);
                }
                complete(batch, lost);
                batch = new ArrayList<>();
                backoff = 0;
            } catch (Exception | Error failure) {
                // An Error too fails the waiting webhooks back to dispatch and turns health DOWN; the loop goes on.
                ThreadFailures.exitIfFatal("The spreadsheet writer", failure);
                if ((draining || !running) && batch.isEmpty() && !refused.hasParts() && firstArrival == null
                    && incoming.isEmpty()) {
                    // Stopping, with no webhook's rows to write: only the check of the rows written last failed,
                    // which is no reason to hold up the stop with retries.
                    LOG.warn("Could not check the rows last written to {} as the relay stops: {}", sheet.describe(),
                            new SpreadsheetException(failure).getMessage());
                    book.reset();
                    continue;
                }
                if (SpreadsheetException.isRetryable(failure) && (running || backoff < maxBackoffMs)) {
                    backoff = Math.min(maxBackoffMs, Math.max(Math.max(1000, backoff * 2),
                            SpreadsheetException.retryAfterMillis(failure)));
                    LOG.warn("Writing to {} failed ({}), {} webhook(s) waiting; retrying in {} ms", sheet.describe(),
                            new SpreadsheetException(failure).getMessage(), batch.size() + incoming.size(), backoff);
                    if (!book.isLoaded()) {
                        continue; // the batch is applied once the sheet could be read
                    }
                } else if (writing && SpreadsheetException.isBadRequest(failure)) {
                    book.reset(); // only what is written next is applied again
                    failRefused(failure, batch);
                    batch = new ArrayList<>();
                    backoff = 0;
                } else {
                    String advice = SpreadsheetException.advice(failure);
                    problem.set(sheet.describe() + ": " + advice);
                    LOG.error("Cannot write to {}: {}. The waiting webhooks go back to dispatch.", sheet.describe(), advice);
                    book.reset(); // what was applied is unknown to the sheet: read it again next time
                    refused.settled();
                    for (Waiting next; (next = nextArrival()) != null; ) {
                        batch.add(next);
                    }
                    complete(batch, new SinkFailedException("spreadsheet", new SpreadsheetException(failure)));
                    batch = new ArrayList<>();
                    backoff = 0;
                }
            }
        }
    }

    /** Google refused the batch as a bad request: halve it to find the webhook it refuses, or fail that one. */
    private void failRefused(Throwable failure, List<Waiting> batch) {
        String reason = new SpreadsheetException(failure).getMessage();
        List<Waiting> failed = refused.refused(batch);
        if (failed.isEmpty()) {
            LOG.warn("{} refused a write of {} webhooks ({}); writing them in parts to find the one it refuses",
                    sheet.describe(), batch.size(), reason);
        } else {
            LOG.error("{} refused the rows of {} webhook(s) ({}); they go back to dispatch (retries, then dead letters)",
                    sheet.describe(), failed.size(), reason);
            problem.set(sheet.describe() + ": " + reason); // until a write succeeds again, as for any permanent error
            complete(failed, new SinkFailedException("spreadsheet", new SpreadsheetException(failure)));
        }
    }

    private Waiting nextArrival() {
        if (firstArrival != null) {
            Waiting first = firstArrival;
            firstArrival = null;
            return first;
        }
        return incoming.poll();
    }

    /** Idle: sleep until a webhook arrives (it is then written at the next flush time). */
    private void awaitFirstArrival() {
        try {
            // In short slices, so that a stop is seen soon (it wakes the writer without an interrupt).
            firstArrival = incoming.poll(draining ? 20 : Math.min(flushIntervalMs, 100), TimeUnit.MILLISECONDS);
        } catch (InterruptedException stopping) {
            // the loop sees running == false
        }
    }

    private void complete(List<Waiting> batch, Exception failure) {
        for (Waiting waiting : batch) {
            room.release();
            completions.execute(() -> {
                if (failure != null) {
                    waiting.exchange().setException(failure);
                }
                waiting.callback().done(false);
            });
        }
    }
}
