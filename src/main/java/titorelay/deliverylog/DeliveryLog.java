package titorelay.deliverylog;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

import javax.sql.DataSource;

import org.apache.camel.support.service.ServiceSupport;
import org.h2.jdbcx.JdbcConnectionPool;
import titorelay.storage.OwnerOnly;

/**
 * The delivery log: one line per delivery (its inbox name is its id), with what each sink did, each failed attempt,
 * the outcome, and the body, in an embedded H2 database of its own ({@code data/delivery-log/}), for the console.
 * Dispatch's hooks ({@link DeliveryHooks}) only queue events; one writer thread ({@link LogWriter}) applies them in
 * batches and trims lines older than the retention. The console reads through {@link DeliveryLogView}.
 */
public final class DeliveryLog extends ServiceSupport implements DeliveryLogView {

    private final Path directory;
    private final int queueSize;
    private final long maxQueuedBytes;
    private final Duration retention;
    private final Clock clock;
    private JdbcConnectionPool connections;
    private LogWriter writer;
    private LogQueries queries;

    public DeliveryLog(Path directory, int queueSize, long maxQueuedBytes, Duration retention, Clock clock) {
        this.directory = directory;
        this.queueSize = queueSize;
        this.maxQueuedBytes = maxQueuedBytes;
        this.retention = retention;
        this.clock = clock;
    }

    /**
     * The database's URL. The relay stops it itself (after the last events are written), not the JVM's shutdown
     * hook; no trace file; no statistics gathered while writing (its queries have one index each to use); a small
     * cache (the relay's heap is small; the console reads little), and changes stored every 2 s rather than every
     * 0.5 s, so that a page changed many times in between is written once (the log is not part of the delivery
     * guarantee: a crash may lose its last seconds).
     */
    static String jdbcUrl(Path directory) {
        return "jdbc:h2:file:" + directory.resolve("delivery-log").toAbsolutePath()
               + ";DB_CLOSE_ON_EXIT=FALSE;TRACE_LEVEL_FILE=0;ANALYZE_AUTO=0;CACHE_SIZE=4096;WRITE_DELAY=2000";
    }

    @Override
    protected void doStart() throws Exception {
        connections = JdbcConnectionPool.create(jdbcUrl(directory), "", "");
        try (var connection = connections.getConnection()) {
            LogSchema.create(connection);
        }
        // H2 creates its file as the process's umask says: readable by the relay's user only, like the rest.
        OwnerOnly.restrictTree(directory);
        queries = new LogQueries(connections, bodiesDirectory());
        writer = new LogWriter(queueSize, maxQueuedBytes, connections, new LogRetention(retention, clock),
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
        if (connections != null) {
            connections.dispose();
        }
    }

    /** From a hook: queued for the writer, or dropped and counted. */
    void record(LogEvent event) {
        LogWriter current = writer;
        if (current != null) {
            current.offer(event);
        }
    }

    /** Events dropped since start: queue full, or the database failing. */
    public long dropped() {
        LogWriter current = writer;
        return current == null ? 0 : current.dropped();
    }

    /** Events written since start. */
    public long written() {
        LogWriter current = writer;
        return current == null ? 0 : current.applied();
    }

    /** Events waiting for the writer. */
    int queued() {
        LogWriter current = writer;
        return current == null ? 0 : current.queued();
    }

    /** For tests: the database, to break it. */
    DataSource database() {
        return connections;
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
