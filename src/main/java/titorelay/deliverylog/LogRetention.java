package titorelay.deliverylog;

import java.time.Clock;
import java.time.Duration;

/**
 * Deletes the lines received more than {@code relay.console.retention-days} ago, with their content and attempts, a
 * small batch per call, so that a large backlog to trim never holds the log's writer for
 * long.
 */
final class LogRetention {

    static final int BATCH = 500;

    private final Duration retention;
    private final Clock clock;

    LogRetention(Duration retention, Clock clock) {
        this.retention = retention;
        this.clock = clock;
    }

    /** Deletes one batch of what is too old; true if there may be more. */
    boolean trimSome(LogStore store) {
        return store.trim(LogStore.seqOf(cutoffMillis()), BATCH);
    }

    /** Lines (and bodies) received before this are past the retention. */
    long cutoffMillis() {
        return clock.millis() - retention.toMillis();
    }
}
