package titorelay.deliverylog;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * The delivery log's tables. {@code delivery} holds the lines the console lists, small so that listing and counting
 * stay fast; the envelope and body (shown only on a delivery's page) are in {@code delivery_content}, and the row it
 * wrote in {@code sheet_row}. Each table has only the indexes the console's queries
 * and the retention need: every index costs the writer on every line.
 * Times are epoch milliseconds. {@code search} is reference, name, email and slug lower-cased, for the text filter.
 */
final class LogSchema {

    private static final String[] STATEMENTS = {
        """
        CREATE TABLE IF NOT EXISTS delivery (
          id VARCHAR PRIMARY KEY, delivery_key VARCHAR, received_ms BIGINT NOT NULL, webhook_name VARCHAR NOT NULL,
          reference VARCHAR NOT NULL, name VARCHAR NOT NULL, email VARCHAR NOT NULL, slug VARCHAR NOT NULL,
          search VARCHAR NOT NULL, outcome VARCHAR NOT NULL, attempts INT NOT NULL, updated_ms BIGINT NOT NULL,
          failure VARCHAR, failed_sink VARCHAR, dead_letter VARCHAR, repeat_of VARCHAR)""",
        "CREATE INDEX IF NOT EXISTS delivery_received ON delivery(received_ms)",
        "CREATE INDEX IF NOT EXISTS delivery_outcome ON delivery(outcome, received_ms)",
        "CREATE INDEX IF NOT EXISTS delivery_webhook_name ON delivery(webhook_name, received_ms)",
        "CREATE TABLE IF NOT EXISTS delivery_content (id VARCHAR PRIMARY KEY, envelope VARCHAR, body VARBINARY)",
        """
        CREATE TABLE IF NOT EXISTS attempt (
          n BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY, delivery_id VARCHAR NOT NULL, number INT NOT NULL,
          at_ms BIGINT NOT NULL, sink VARCHAR, error VARCHAR)""",
        "CREATE INDEX IF NOT EXISTS attempt_delivery ON attempt(delivery_id)",
        """
        CREATE TABLE IF NOT EXISTS sink_result (
          delivery_id VARCHAR NOT NULL, sink VARCHAR NOT NULL, did VARCHAR NOT NULL, at_ms BIGINT NOT NULL,
          PRIMARY KEY (delivery_id, sink))""",
        "CREATE TABLE IF NOT EXISTS sheet_row (id VARCHAR PRIMARY KEY, cells VARCHAR NOT NULL)",
    };

    private LogSchema() {
    }

    static void create(Connection connection) throws SQLException {
        try (Statement statement = connection.createStatement()) {
            for (String sql : STATEMENTS) {
                statement.execute(sql);
            }
        }
    }
}
