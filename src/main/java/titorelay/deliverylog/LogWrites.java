package titorelay.deliverylog;

import java.io.ByteArrayInputStream;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import titorelay.inbox.InboxEnvelope;
import titorelay.inbox.RecordDeadLetter;
import titorelay.sheets.SheetColumns.RowChange;

/**
 * The writer thread's statements, one batch per kind, run in an order that keeps each line's story right: a line is
 * created (or its try counted) before its outcome changes, and its outcome changes run in the order they happened.
 * Writer thread only.
 */
final class LogWrites implements AutoCloseable {

    /** Which delivery a repeat repeated: the first line of each recent delivery key. */
    private static final int REMEMBERED_KEYS = 10_000;

    private final PreparedStatement content;
    private final PreparedStatement taken;
    private final PreparedStatement outcome;
    private final PreparedStatement attempt;
    private final PreparedStatement tries;
    private final PreparedStatement sinkResult;
    private final PreparedStatement sheetRow;
    private final List<PreparedStatement> inOrder;
    private final Map<String, String> firstOfKey = new LinkedHashMap<>(1024, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, String> eldest) {
            return size() > REMEMBERED_KEYS;
        }
    };

    LogWrites(Connection connection) throws SQLException {
        content = connection.prepareStatement(
                "MERGE INTO delivery_content (id, envelope, body) KEY (id) VALUES (?, ?, ?)");
        taken = connection.prepareStatement("""
                MERGE INTO delivery d USING (VALUES (CAST(? AS VARCHAR), CAST(? AS VARCHAR), CAST(? AS BIGINT),
                  CAST(? AS VARCHAR), CAST(? AS VARCHAR), CAST(? AS VARCHAR), CAST(? AS VARCHAR), CAST(? AS VARCHAR),
                  CAST(? AS VARCHAR), CAST(? AS BIGINT)))
                  AS s(id, delivery_key, received_ms, webhook_name, reference, name, email, slug, search, at_ms)
                ON d.id = s.id
                WHEN MATCHED THEN UPDATE SET attempts = d.attempts + 1, updated_ms = s.at_ms
                WHEN NOT MATCHED THEN INSERT (id, delivery_key, received_ms, webhook_name, reference, name, email, slug,
                  search, outcome, attempts, updated_ms)
                  VALUES (s.id, s.delivery_key, s.received_ms, s.webhook_name, s.reference, s.name, s.email, s.slug,
                  s.search, 'PENDING', 1, s.at_ms)""");
        outcome = connection.prepareStatement("""
                UPDATE delivery SET outcome = ?, updated_ms = ?, failure = ?, failed_sink = ?, dead_letter = ?,
                  repeat_of = COALESCE(?, repeat_of)
                WHERE id = ? AND (CAST(? AS VARCHAR) IS NULL OR outcome = ?)""");
        attempt = connection.prepareStatement(
                "INSERT INTO attempt (delivery_id, number, at_ms, sink, error) VALUES (?, ?, ?, ?, ?)");
        tries = connection.prepareStatement("UPDATE delivery SET attempts = attempts + 1 WHERE id = ?");
        sinkResult = connection.prepareStatement(
                "MERGE INTO sink_result (delivery_id, sink, did, at_ms) KEY (delivery_id, sink) VALUES (?, ?, ?, ?)");
        sheetRow = connection.prepareStatement("UPDATE delivery_content SET sheet_row = ? WHERE id = ?");
        inOrder = List.of(content, taken, outcome, attempt, tries, sinkResult, sheetRow);
    }

    void taken(LogEvent.Taken event) throws SQLException {
        PayloadFacts facts = PayloadFacts.of(event.body());
        Map<String, String> envelope = new LinkedHashMap<>();
        envelope.put(InboxEnvelope.WEBHOOK_NAME, event.webhookName());
        envelope.put(InboxEnvelope.RECEIVED_AT, event.receivedAt());
        envelope.put("Delivery-Key", event.deliveryKey());
        envelope.put("Inbox-Name", event.id());
        content.setString(1, event.id());
        content.setString(2, LogJson.write(envelope));
        if (event.body() == null) {
            content.setNull(3, Types.BLOB);
        } else {
            content.setBinaryStream(3, new ByteArrayInputStream(event.body()), event.body().length);
        }
        content.addBatch();

        taken.setString(1, event.id());
        taken.setString(2, event.deliveryKey());
        taken.setLong(3, receivedMillis(event));
        taken.setString(4, event.webhookName() == null ? "" : event.webhookName());
        taken.setString(5, facts.reference());
        taken.setString(6, facts.name());
        taken.setString(7, facts.email());
        taken.setString(8, facts.slug());
        taken.setString(9, String.join("\n", facts.reference(), facts.name(), facts.email(), facts.slug())
                .toLowerCase(Locale.ROOT));
        taken.setLong(10, event.at().toEpochMilli());
        taken.addBatch();
        if (event.deliveryKey() != null) {
            firstOfKey.putIfAbsent(event.deliveryKey(), event.id());
        }
    }

    private static long receivedMillis(LogEvent.Taken event) {
        try {
            return Instant.parse(event.receivedAt()).toEpochMilli();
        } catch (RuntimeException noTime) {
            return event.at().toEpochMilli();
        }
    }

    void repeat(LogEvent.Repeat event) throws SQLException {
        String first = event.deliveryKey() == null ? null : firstOfKey.get(event.deliveryKey());
        String repeatOf = first == null || first.equals(event.id()) ? null : first;
        // A delivery done before a crash and taken again after it stays done.
        outcome(event.id(), Outcome.REPEAT, Outcome.PENDING, event.at(), null, null, null, repeatOf);
    }

    void outcome(String id, Outcome newOutcome, Outcome onlyFrom, Instant at, String failure, String failedSink,
            String deadLetter) throws SQLException {
        outcome(id, newOutcome, onlyFrom, at, failure, failedSink, deadLetter, null);
    }

    private void outcome(String id, Outcome newOutcome, Outcome onlyFrom, Instant at, String failure,
            String failedSink, String deadLetter, String repeatOf) throws SQLException {
        outcome.setString(1, newOutcome.name());
        outcome.setLong(2, at.toEpochMilli());
        outcome.setString(3, failure);
        outcome.setString(4, failedSink);
        outcome.setString(5, deadLetter);
        outcome.setString(6, repeatOf);
        outcome.setString(7, id);
        outcome.setString(8, onlyFrom == null ? null : onlyFrom.name());
        outcome.setString(9, onlyFrom == null ? null : onlyFrom.name());
        outcome.addBatch();
    }

    /** A failed try; one that is retried counts one more try. */
    void attempt(String id, Attempt failed) throws SQLException {
        insertAttempt(id, failed);
        tries.setString(1, id);
        tries.addBatch();
    }

    private void insertAttempt(String id, Attempt failed) throws SQLException {
        attempt.setString(1, id);
        attempt.setInt(2, failed.number());
        attempt.setLong(3, failed.at().toEpochMilli());
        attempt.setString(4, failed.sink());
        attempt.setString(5, failed.error());
        attempt.addBatch();
    }

    void deadLetter(LogEvent.DeadLetter event) throws SQLException {
        Map<String, String> fields;
        try {
            fields = InboxEnvelope.parse(event.deadLetter()).fields();
        } catch (IllegalArgumentException unreadable) {
            fields = Map.of();
        }
        String failure = fields.getOrDefault(RecordDeadLetter.FAILURE, "unknown");
        String sink = fields.getOrDefault(RecordDeadLetter.FAILED_SINK, "unknown");
        Instant failedAt = instant(fields.get(RecordDeadLetter.FAILED_AT), event.at());
        int tryNumber = number(fields.get(RecordDeadLetter.ATTEMPTS));
        insertAttempt(event.id(), new Attempt(tryNumber, failedAt, sink, failure));
        outcome(event.id(), Outcome.FAILED, null, event.at(), failure, sink, event.fileName());
    }

    private static Instant instant(String text, Instant otherwise) {
        try {
            return text == null ? otherwise : Instant.parse(text);
        } catch (RuntimeException notATime) {
            return otherwise;
        }
    }

    private static int number(String text) {
        try {
            return text == null ? 0 : Integer.parseInt(text.strip());
        } catch (NumberFormatException notANumber) {
            return 0;
        }
    }

    void sinkDid(LogEvent.SinkDid event) throws SQLException {
        sinkResult.setString(1, event.id());
        sinkResult.setString(2, event.result().sink());
        sinkResult.setString(3, event.result().did());
        sinkResult.setLong(4, event.result().at().toEpochMilli());
        sinkResult.addBatch();
        if (event.rows() != null && !event.rows().isEmpty()) {
            sheetRow.setString(1, LogJson.write(cellsOf(event.rows())));
            sheetRow.setString(2, event.id());
            sheetRow.addBatch();
        }
    }

    /**
     * Column header to value of the delivery's row; when it changed several rows (a registration's tickets), the
     * others' cells follow, each header prefixed with its tab and key.
     */
    static Map<String, String> cellsOf(List<RowChange> rows) {
        Map<String, String> cells = new LinkedHashMap<>();
        for (int i = 0; i < rows.size(); i++) {
            RowChange row = rows.get(i);
            String prefix = i == 0 ? "" : row.tab() + " " + row.key() + ": ";
            row.set().forEach((column, value) -> cells.put(prefix + column, value));
            row.fill().forEach((column, value) -> cells.putIfAbsent(prefix + column, value));
        }
        return cells;
    }

    /** Runs every batch, in order. */
    void execute() throws SQLException {
        for (PreparedStatement statement : inOrder) {
            statement.executeBatch();
        }
    }

    /** After a failed transaction: what was added is not run. */
    void clear() throws SQLException {
        for (PreparedStatement statement : inOrder) {
            statement.clearBatch();
        }
    }

    @Override
    public void close() throws SQLException {
        for (PreparedStatement statement : inOrder) {
            statement.close();
        }
    }
}
