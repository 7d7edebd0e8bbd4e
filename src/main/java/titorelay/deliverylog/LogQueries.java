package titorelay.deliverylog;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

import javax.sql.DataSource;

import titorelay.inbox.InboxEnvelope;

/**
 * The console's reads of the delivery log, on the console's threads: each opens its own connection (H2 serves
 * readers while the writer writes).
 */
final class LogQueries implements DeliveryLogView {

    private static final String LINE_COLUMNS = "id, delivery_key, seq / 1000, webhook_name, reference, name, email,"
                                               + " slug, outcome, attempts, updated_ms, failure, failed_sink,"
                                               + " dead_letter, repeat_of, sinks";

    private final DataSource connections;
    private final Path bodies;

    LogQueries(DataSource connections, Path bodies) {
        this.bodies = bodies;
        this.connections = connections;
    }

    /** A filter's WHERE clause and its parameters. */
    private record Where(String sql, List<Object> parameters) {

        static Where of(LogFilter filter) {
            StringBuilder sql = new StringBuilder(" WHERE TRUE");
            List<Object> parameters = new ArrayList<>();
            if (filter.webhookName() != null && !filter.webhookName().isBlank()) {
                sql.append(" AND webhook_name = ?");
                parameters.add(filter.webhookName().strip());
            }
            if (filter.outcome() != null) {
                sql.append(" AND outcome = ?");
                parameters.add(filter.outcome().name());
            }
            if (filter.text() != null && !filter.text().isBlank()) {
                sql.append(" AND search LIKE ? ESCAPE '\\'");
                String text = filter.text().strip().toLowerCase(Locale.ROOT)
                        .replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_");
                parameters.add("%" + text + "%");
            }
            return new Where(sql.toString(), parameters);
        }

        int bind(PreparedStatement statement) throws SQLException {
            for (int i = 0; i < parameters.size(); i++) {
                statement.setObject(i + 1, parameters.get(i));
            }
            return parameters.size();
        }
    }

    @Override
    public List<LoggedDelivery> newestFirst(LogFilter filter, int offset, int limit) {
        Where where = Where.of(filter);
        try (Connection connection = connections.getConnection();
                PreparedStatement query = connection.prepareStatement("SELECT " + LINE_COLUMNS + " FROM delivery"
                        + where.sql() + " ORDER BY seq DESC OFFSET ? ROWS FETCH NEXT ? ROWS ONLY")) {
            int bound = where.bind(query);
            query.setInt(bound + 1, Math.max(0, offset));
            query.setInt(bound + 2, Math.max(0, limit));
            return lines(query);
        } catch (SQLException e) {
            throw new IllegalStateException("Cannot read the delivery log: " + e.getMessage(), e);
        }
    }

    private static List<LoggedDelivery> lines(PreparedStatement query) throws SQLException {
        List<LoggedDelivery> lines = new ArrayList<>();
        try (ResultSet rows = query.executeQuery()) {
            while (rows.next()) {
                lines.add(new LoggedDelivery(rows.getString(1), rows.getString(2),
                        Instant.ofEpochMilli(rows.getLong(3)), rows.getString(4), rows.getString(5),
                        rows.getString(6), rows.getString(7), rows.getString(8), Outcome.valueOf(rows.getString(9)),
                        rows.getInt(10), Instant.ofEpochMilli(rows.getLong(11)), SinkLines.parse(rows.getString(16)),
                        rows.getString(12),
                        rows.getString(13), rows.getString(14), rows.getString(15)));
            }
        }
        return lines;
    }

    @Override
    public long count(LogFilter filter) {
        Where where = Where.of(filter);
        try (Connection connection = connections.getConnection();
                PreparedStatement query = connection.prepareStatement("SELECT COUNT(*) FROM delivery" + where.sql())) {
            where.bind(query);
            try (ResultSet rows = query.executeQuery()) {
                rows.next();
                return rows.getLong(1);
            }
        } catch (SQLException e) {
            throw new IllegalStateException("Cannot read the delivery log: " + e.getMessage(), e);
        }
    }

    @Override
    public Optional<DeliveryDetails> details(String id) {
        try (Connection connection = connections.getConnection()) {
            LoggedDelivery line;
            try (PreparedStatement query = connection.prepareStatement(
                    "SELECT " + LINE_COLUMNS + " FROM delivery WHERE id = ?")) {
                query.setString(1, id);
                List<LoggedDelivery> found = lines(query);
                if (found.isEmpty()) {
                    return Optional.empty();
                }
                line = found.get(0);
            }
            Map<String, String> envelope = new LinkedHashMap<>();
            envelope.put(InboxEnvelope.WEBHOOK_NAME, line.webhookName());
            envelope.put(InboxEnvelope.RECEIVED_AT, line.receivedAt() == null ? "" : line.receivedAt().toString());
            envelope.put("Delivery-Key", line.deliveryKey());
            envelope.put("Inbox-Name", line.id());
            Map<String, String> row = Map.of();
            byte[] body = new byte[0];
            try (PreparedStatement query = connection.prepareStatement("SELECT c.body_file, c.body_offset,"
                    + " c.body_length, c.cells FROM delivery_content c JOIN delivery d ON d.seq = c.seq WHERE d.id = ?")) {
                query.setString(1, id);
                try (ResultSet rows = query.executeQuery()) {
                    if (rows.next()) {
                        body = BodyFiles.read(bodies, rows.getString(1), rows.getLong(2), rows.getInt(3));
                        row = LogJson.read(rows.getString(4));
                    }
                }
            } catch (java.io.IOException e) {
                throw new IllegalStateException("Cannot read a body of the delivery log: " + e.getMessage(), e);
            }
            return Optional.of(new DeliveryDetails(line, envelope, body, attempts(connection, id), row));
        } catch (SQLException e) {
            throw new IllegalStateException("Cannot read the delivery log: " + e.getMessage(), e);
        }
    }

    private static List<Attempt> attempts(Connection connection, String id) throws SQLException {
        List<Attempt> attempts = new ArrayList<>();
        try (PreparedStatement query = connection.prepareStatement(
                "SELECT number, at_ms, sink, error FROM attempt WHERE delivery_id = ? ORDER BY n")) {
            query.setString(1, id);
            try (ResultSet rows = query.executeQuery()) {
                while (rows.next()) {
                    attempts.add(new Attempt(rows.getInt(1), Instant.ofEpochMilli(rows.getLong(2)),
                            rows.getString(3), rows.getString(4)));
                }
            }
        }
        return attempts;
    }

    @Override
    public Totals since(Instant from) {
        Map<Outcome, Long> byOutcome = new HashMap<>();
        try (Connection connection = connections.getConnection();
                PreparedStatement query = connection.prepareStatement(
                        "SELECT outcome, COUNT(*) FROM delivery WHERE seq >= ? GROUP BY outcome")) {
            query.setLong(1, LogSchema.seqOf(from.toEpochMilli()));
            try (ResultSet rows = query.executeQuery()) {
                while (rows.next()) {
                    byOutcome.put(Outcome.valueOf(rows.getString(1)), rows.getLong(2));
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException("Cannot read the delivery log: " + e.getMessage(), e);
        }
        long received = byOutcome.values().stream().mapToLong(Long::longValue).sum();
        return new Totals(received, byOutcome.getOrDefault(Outcome.DONE, 0L),
                byOutcome.getOrDefault(Outcome.REPEAT, 0L), byOutcome.getOrDefault(Outcome.UNROUTED, 0L),
                byOutcome.getOrDefault(Outcome.FAILED, 0L));
    }

    @Override
    public int[] perMinute(Instant from, int minutes) {
        int[] counts = new int[Math.max(0, minutes)];
        long start = from.toEpochMilli();
        try (Connection connection = connections.getConnection();
                PreparedStatement query = connection.prepareStatement("SELECT (seq / 1000 - ?) / 60000 AS slot,"
                        + " COUNT(*) FROM delivery WHERE seq >= ? AND seq < ? GROUP BY slot")) {
            query.setLong(1, start);
            query.setLong(2, LogSchema.seqOf(start));
            query.setLong(3, LogSchema.seqOf(start + 60_000L * counts.length));
            try (ResultSet rows = query.executeQuery()) {
                while (rows.next()) {
                    counts[rows.getInt(1)] = rows.getInt(2);
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException("Cannot read the delivery log: " + e.getMessage(), e);
        }
        return counts;
    }

    @Override
    public List<String> webhookNames() {
        List<String> names = new ArrayList<>();
        try (Connection connection = connections.getConnection();
                PreparedStatement query = connection.prepareStatement(
                        "SELECT DISTINCT webhook_name FROM delivery ORDER BY webhook_name")) {
            try (ResultSet rows = query.executeQuery()) {
                while (rows.next()) {
                    names.add(rows.getString(1));
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException("Cannot read the delivery log: " + e.getMessage(), e);
        }
        return Collections.unmodifiableList(names);
    }
}
