package titorelay.deliverylog;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;

/**
 * Deletes the lines received more than {@code relay.console.retention-days} ago, with their content and attempts, a
 * small batch per call (each its own transaction), so that a large backlog to trim never holds the log's writer for
 * long.
 */
final class LogRetention {

    static final int BATCH = 500;
    private static final String[] DELETES = {
        "DELETE FROM attempt WHERE delivery_id IN (SELECT id FROM delivery WHERE seq < ? ORDER BY seq FETCH FIRST "
            + BATCH + " ROWS ONLY)",
        "DELETE FROM delivery_content WHERE seq < ? FETCH FIRST " + BATCH + " ROWS ONLY",
        "DELETE FROM delivery WHERE seq < ? FETCH FIRST " + BATCH + " ROWS ONLY",
    };

    private final Duration retention;
    private final Clock clock;

    LogRetention(Duration retention, Clock clock) {
        this.retention = retention;
        this.clock = clock;
    }

    /** Deletes one batch of what is too old; true if there may be more. */
    boolean trimSome(Connection connection) throws SQLException {
        long cutoff = LogSchema.seqOf(cutoffMillis());
        boolean more = false;
        try {
            for (String sql : DELETES) {
                more |= delete(connection, sql, cutoff) >= BATCH;
            }
            connection.commit();
        } catch (SQLException | RuntimeException failed) {
            connection.rollback();
            throw failed;
        }
        return more;
    }

    /** Lines (and bodies) received before this are past the retention. */
    long cutoffMillis() {
        return clock.millis() - retention.toMillis();
    }

    private static int delete(Connection connection, String sql, long cutoff) throws SQLException {
        try (PreparedStatement delete = connection.prepareStatement(sql)) {
            delete.setLong(1, cutoff);
            return delete.executeUpdate();
        }
    }
}
