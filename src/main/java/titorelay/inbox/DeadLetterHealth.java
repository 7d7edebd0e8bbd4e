package titorelay.inbox;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;
import java.util.stream.Stream;

import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.apache.camel.health.HealthCheckResultBuilder;
import org.apache.camel.impl.health.AbstractHealthCheck;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How many dead letters wait for a person. Reported in the health details; the relay itself stays UP (it still
 * receives and stores every webhook), so that no orchestrator restarts or unroutes it over a sink's failure.
 * <p>
 * DOWN, though, while a delivery that failed every retry cannot be kept as a dead letter (disk full, directory not
 * writable): it then stays in the inbox journal and is taken again, and only a person can make room for it.
 */
public final class DeadLetterHealth extends AbstractHealthCheck {

    private static final Logger LOG = LoggerFactory.getLogger(DeadLetterHealth.class);

    private final Path directory;
    private final Predicate<String> waiting;
    /** Deliveries whose dead letter could not be written, with why; forgotten once dispatched or kept. */
    private final Map<String, String> notKept = new ConcurrentHashMap<>();

    /** @param waiting whether the delivery of that name is still waiting in the inbox journal */
    public DeadLetterHealth(Path directory, Predicate<String> waiting) {
        super("tito-relay", "dead-letters");
        this.directory = directory;
        this.waiting = waiting;
    }

    @Override
    protected void doCall(HealthCheckResultBuilder builder, Map<String, Object> options) {
        notKept.keySet().removeIf(delivery -> !waiting.test(delivery)); // dispatched or kept since
        if (!notKept.isEmpty()) {
            builder.detail("not-kept", notKept.size());
            builder.message(notKept.size() + " delivery(ies) failed every retry and cannot be kept as dead letters in "
                            + directory + " (" + notKept.values().iterator().next() + "): they stay in the inbox journal"
                            + " and are tried again; make " + directory + " a writable directory with free space");
            builder.down();
            return;
        }
        long count = 0;
        if (Files.isDirectory(directory)) {
            try (Stream<Path> files = Files.list(directory)) {
                count = files.filter(f -> !f.getFileName().toString().startsWith(".")).count();
            } catch (IOException e) {
                builder.message("Cannot list " + directory + ": " + e.getMessage()).down();
                return;
            }
        }
        builder.detail("dead-letters", count);
        builder.message(count == 0 ? "No dead letters"
                : count + " dead letter(s) in " + directory + ": see them with 'DeadLetters list', replay with 'DeadLetters replay'");
        builder.up();
    }

    /**
     * For the dead-letter route, when writing the dead letter failed: records why, then fails the exchange again, so
     * that the inbox journal keeps the delivery instead of passing it as done.
     */
    public Processor notKept() {
        return exchange -> {
            Exception failure = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Exception.class);
            String delivery = exchange.getMessage().getHeader(Exchange.FILE_NAME, String.class);
            String reason = failure == null ? "unknown" : String.valueOf(rootCause(failure).getMessage());
            if (delivery != null) {
                notKept.put(delivery, reason);
            }
            LOG.error("Cannot keep {} as a dead letter in {} ({}): it stays in the inbox journal and is tried again",
                    delivery, directory, reason);
            throw failure != null ? failure : new IllegalStateException("dead letter not written");
        };
    }

    private static Throwable rootCause(Throwable failure) {
        Throwable root = failure;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root;
    }
}
