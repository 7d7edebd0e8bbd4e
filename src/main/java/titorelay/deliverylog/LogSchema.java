package titorelay.deliverylog;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * The delivery log's tables, with as few indexes as its queries allow: each index costs the writer on every line.
 * {@code delivery} is keyed by {@code seq}, the time received in milliseconds times 1,000 plus a count within that
 * millisecond, so that the key itself is the newest-first order and the time ranges of the console's queries; the
 * delivery's own id (its inbox name) has the one other index. What each sink did is a few lines of text in the line
 * itself ({@link SinkLines}). Where the body is (in {@link BodyFiles}) and the sheet row, shown only on a delivery's
 * page, are in {@code delivery_content} under the same key (the envelope's fields are the line's own); failed attempts (rare) in {@code attempt}. Times are epoch
 * milliseconds; {@code search} is reference, name, email and slug lower-cased, for the text filter.
 */
final class LogSchema {

    private static final String[] STATEMENTS = {
        """
        CREATE TABLE IF NOT EXISTS delivery (
          seq BIGINT PRIMARY KEY, id VARCHAR NOT NULL, delivery_key VARCHAR, webhook_name VARCHAR NOT NULL,
          reference VARCHAR NOT NULL, name VARCHAR NOT NULL, email VARCHAR NOT NULL, slug VARCHAR NOT NULL,
          search VARCHAR NOT NULL, outcome VARCHAR NOT NULL, attempts INT NOT NULL, updated_ms BIGINT NOT NULL,
          failure VARCHAR, failed_sink VARCHAR, dead_letter VARCHAR, repeat_of VARCHAR, sinks VARCHAR)""",
        "CREATE UNIQUE INDEX IF NOT EXISTS delivery_id ON delivery(id)",
        "CREATE TABLE IF NOT EXISTS delivery_content (seq BIGINT PRIMARY KEY, body_file VARCHAR, body_offset BIGINT,"
            + " body_length INT, cells VARCHAR)",
        """
        CREATE TABLE IF NOT EXISTS attempt (
          n BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY, delivery_id VARCHAR NOT NULL, number INT NOT NULL,
          at_ms BIGINT NOT NULL, sink VARCHAR, error VARCHAR)""",
        "CREATE INDEX IF NOT EXISTS attempt_delivery ON attempt(delivery_id)",
    };

    private LogSchema() {
    }

    /** The first key of the millisecond {@code epochMillis}. */
    static long seqOf(long epochMillis) {
        return epochMillis * 1000;
    }

    static void create(Connection connection) throws SQLException {
        try (Statement statement = connection.createStatement()) {
            for (String sql : STATEMENTS) {
                statement.execute(sql);
            }
        }
    }
}
