package titorelay.deliverylog;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;


import org.apache.camel.support.service.ServiceSupport;

/**
 * The delivery log: one line per delivery (its inbox name is its id), with what each sink did, each failed attempt,
 * the outcome, and where its body is, in a store of its own ({@code data/delivery-log/}, {@link LogStore}), for the
 * console.
 * Dispatch's hooks ({@link DeliveryHooks}) only queue events; one writer thread ({@link LogWriter}) applies them in
 * batches and trims lines older than the retention. The console reads through {@link DeliveryLogView}.
 */
public final class DeliveryLog extends ServiceSupport implements DeliveryLogView {

    private final Path directory;
    private final int queueSize;
    private final long maxQueuedBytes;
    private final Duration retention;
    private final Clock clock;
    private LogStore store;
    private LogWriter writer;
    private LogQueries queries;

    public DeliveryLog(Path directory, int queueSize, long maxQueuedBytes, Duration retention, Clock clock) {
        this.directory = directory;
        this.queueSize = queueSize;
        this.maxQueuedBytes = maxQueuedBytes;
        this.retention = retention;
        this.clock = clock;
    }

    @Override
    protected void doStart() throws Exception {
        store = LogStore.open(directory);
        queries = new LogQueries(store, bodiesDirectory());
        writer = new LogWriter(queueSize, maxQueuedBytes, store, new LogRetention(retention, clock),
                new BodyFiles(bodiesDirectory()), clock);
        writer.start();
    }

    private Path bodiesDirectory() {
        return directory.resolve("bodies");
    }

    @Override
    protected void doStop() throws Exception {
        if (writer != null) {
            writer.stop();
        }
        if (store != null) {
            store.close();
        }
    }

    /** From a hook: queued for the writer, or dropped and counted. */
    void record(LogEvent event) {
        LogWriter current = writer;
        if (current != null) {
            current.offer(event);
        }
    }

    /** Events dropped since start: queue full, or its store failing. */
    public long dropped() {
        LogWriter current = writer;
        return current == null ? 0 : current.dropped();
    }

    /** Events written since start. */
    public long written() {
        LogWriter current = writer;
        return current == null ? 0 : current.applied();
    }

    /** For tests: every event queued so far written or dropped, and no line waiting for its outcome. */
    boolean settled() {
        LogWriter current = writer;
        return current == null || current.settled();
    }

    /** Events waiting for the writer. */
    int queued() {
        LogWriter current = writer;
        return current == null ? 0 : current.queued();
    }

    /** For tests: the store, to break it or count what it holds. */
    LogStore store() {
        return store;
    }

    @Override
    public List<LoggedDelivery> newestFirst(LogFilter filter, int offset, int limit) {
        return queries.newestFirst(filter, offset, limit);
    }

    @Override
    public long count(LogFilter filter) {
        return queries.count(filter);
    }

    @Override
    public Optional<DeliveryDetails> details(String id) {
        return queries.details(id);
    }

    @Override
    public Totals since(Instant from) {
        return queries.since(from);
    }

    @Override
    public int[] perMinute(Instant from, int minutes) {
        return queries.perMinute(from, minutes);
    }

    @Override
    public List<String> webhookNames() {
        return queries.webhookNames();
    }
}
