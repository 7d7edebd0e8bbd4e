package titorelay.deliverylog;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Instant;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import titorelay.inbox.InboxEnvelope;
import titorelay.inbox.RecordDeadLetter;
import titorelay.sheets.SheetColumns.RowChange;

/**
 * The writer thread's statements, one batch per kind, run in an order that keeps each line's story right. A line
 * taken in a batch is held in memory ({@link HeldLine}) until its outcome is known or {@link #HOLD_MS} have passed,
 * and then written whole, with its envelope and body; what happens to a line already written updates it. A line's
 * attempts and row are written only if the line is there (never orphans, whatever was dropped). Writer thread only.
 */
final class LogWrites implements AutoCloseable {

    /** How long a line may wait in memory for its outcome before it is written as pending. */
    static final long HOLD_MS = 2_000;
    /** Which delivery a repeat repeated: the first line of each recent delivery key. */
    private static final int REMEMBERED_KEYS = 10_000;

    private final PreparedStatement content;
    private final PreparedStatement line;
    private final PreparedStatement outcome;
    private final PreparedStatement attempt;
    private final PreparedStatement tries;
    private final PreparedStatement sinkResult;
    private final PreparedStatement sheetRow;
    private final List<PreparedStatement> inOrder;
    /** Lines taken and not yet written, oldest first. */
    private final Map<String, HeldLine> held = new LinkedHashMap<>();
    private final Map<String, String> firstOfKey = new LinkedHashMap<>(1024, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, String> eldest) {
            return size() > REMEMBERED_KEYS;
        }
    };

    private final BodyFiles bodies;

    LogWrites(Connection connection, BodyFiles bodies) throws SQLException {
        this.bodies = bodies;
        // A new line's key: the first free one of the millisecond it was received in.
        line = connection.prepareStatement("""
                MERGE INTO delivery d USING (VALUES (CAST(? AS VARCHAR), CAST(? AS VARCHAR), CAST(? AS BIGINT),
                  CAST(? AS VARCHAR), CAST(? AS VARCHAR), CAST(? AS VARCHAR), CAST(? AS VARCHAR), CAST(? AS VARCHAR),
                  CAST(? AS VARCHAR), CAST(? AS VARCHAR), CAST(? AS INT), CAST(? AS BIGINT), CAST(? AS VARCHAR),
                  CAST(? AS VARCHAR), CAST(? AS VARCHAR), CAST(? AS VARCHAR), CAST(? AS BOOLEAN), CAST(? AS VARCHAR)))
                  AS s(id, delivery_key, first_seq, webhook_name, reference, name, email, slug, search, outcome,
                  attempts, updated_ms, failure, failed_sink, dead_letter, repeat_of, changed, sinks)
                ON d.id = s.id
                WHEN MATCHED THEN UPDATE SET attempts = d.attempts + s.attempts, updated_ms = s.updated_ms,
                  outcome = CASE WHEN s.changed THEN s.outcome ELSE d.outcome END,
                  failure = CASE WHEN s.changed THEN s.failure ELSE d.failure END,
                  failed_sink = CASE WHEN s.changed THEN s.failed_sink ELSE d.failed_sink END,
                  dead_letter = CASE WHEN s.changed THEN s.dead_letter ELSE d.dead_letter END,
                  repeat_of = COALESCE(s.repeat_of, d.repeat_of), sinks = COALESCE(d.sinks, '') || s.sinks
                WHEN NOT MATCHED THEN INSERT (seq, id, delivery_key, webhook_name, reference, name, email, slug,
                  search, outcome, attempts, updated_ms, failure, failed_sink, dead_letter, repeat_of, sinks)
                  VALUES (COALESCE((SELECT MAX(x.seq) + 1 FROM delivery x
                    WHERE x.seq BETWEEN s.first_seq AND s.first_seq + 999), s.first_seq),
                  s.id, s.delivery_key, s.webhook_name, s.reference, s.name, s.email, s.slug, s.search, s.outcome,
                  s.attempts, s.updated_ms, s.failure, s.failed_sink, s.dead_letter, s.repeat_of, s.sinks)""");
        content = connection.prepareStatement("""
                MERGE INTO delivery_content c USING (SELECT seq, CAST(? AS VARCHAR), CAST(? AS BIGINT), CAST(? AS INT),
                  CAST(? AS VARCHAR) FROM delivery WHERE id = ?) AS s(seq, body_file, body_offset, body_length, cells)
                ON c.seq = s.seq
                WHEN MATCHED THEN UPDATE SET body_file = s.body_file, body_offset = s.body_offset,
                  body_length = s.body_length, cells = COALESCE(s.cells, c.cells)
                WHEN NOT MATCHED THEN INSERT (seq, body_file, body_offset, body_length, cells)
                  VALUES (s.seq, s.body_file, s.body_offset, s.body_length, s.cells)""");
        outcome = connection.prepareStatement("""
                UPDATE delivery SET outcome = ?, updated_ms = ?, failure = ?, failed_sink = ?, dead_letter = ?,
                  repeat_of = COALESCE(?, repeat_of)
                WHERE id = ? AND (CAST(? AS VARCHAR) IS NULL OR outcome = ?)""");
        attempt = connection.prepareStatement("INSERT INTO attempt (delivery_id, number, at_ms, sink, error)"
                + " SELECT id, ?, ?, ?, ? FROM delivery WHERE id = ?");
        tries = connection.prepareStatement("UPDATE delivery SET attempts = attempts + 1 WHERE id = ?");
        sinkResult = connection.prepareStatement(
                "UPDATE delivery SET sinks = COALESCE(sinks, '') || ? WHERE id = ?");
        sheetRow = connection.prepareStatement(
                "UPDATE delivery_content SET cells = ? WHERE seq = (SELECT seq FROM delivery WHERE id = ?)");
        inOrder = List.of(line, content, outcome, attempt, tries, sinkResult, sheetRow);
    }

    void taken(LogEvent.Taken event) {
        long receivedMs = receivedMillis(event);
        HeldLine heldLine = held.get(event.id());
        if (heldLine != null) {
            heldLine.tries++;
        } else {
            heldLine = new HeldLine(event.id(), event.deliveryKey(), receivedMs,
                    event.webhookName() == null ? "" : event.webhookName(), PayloadFacts.of(event.body()),
                    event.at().toEpochMilli());
            held.put(event.id(), heldLine);
        }
        // Written now, so that the body is not held in memory with the line.
        try {
            heldLine.body = event.body() == null ? null : bodies.append(event.body(), event.at().toEpochMilli());
        } catch (IOException e) {
            // As a failed transaction: this batch's events are dropped and counted, and the writer goes on.
            throw new UncheckedIOException("Cannot append a body to the delivery log: " + e.getMessage(), e);
        }
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
        HeldLine heldLine = held.get(id);
        if (heldLine != null) {
            heldLine.outcome(newOutcome, onlyFrom, at.toEpochMilli(), failure, failedSink, deadLetter, repeatOf);
            return;
        }
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
        HeldLine heldLine = held.get(id);
        if (heldLine != null) {
            heldLine.failedTries.add(failed);
            heldLine.tries++;
            return;
        }
        insertAttempt(id, failed);
        tries.setString(1, id);
        tries.addBatch();
    }

    private void insertAttempt(String id, Attempt failed) throws SQLException {
        attempt.setInt(1, failed.number());
        attempt.setLong(2, failed.at().toEpochMilli());
        attempt.setString(3, failed.sink());
        attempt.setString(4, failed.error());
        attempt.setString(5, id);
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
        Attempt last = new Attempt(number(fields.get(RecordDeadLetter.ATTEMPTS)), failedAt, sink, failure);
        HeldLine heldLine = held.get(event.id());
        if (heldLine != null) {
            heldLine.failedTries.add(last);
        } else {
            insertAttempt(event.id(), last);
        }
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
        Map<String, String> row = event.rows() == null || event.rows().isEmpty() ? null : cellsOf(event.rows());
        HeldLine heldLine = held.get(event.id());
        if (heldLine != null) {
            heldLine.sinks.put(event.result().sink(), event.result());
            if (row != null) {
                heldLine.row = row;
            }
            return;
        }
        addSinkResult(event.id(), event.result());
        if (row != null) {
            addSheetRow(event.id(), row);
        }
    }

    private void addSinkResult(String id, SinkResult result) throws SQLException {
        sinkResult.setString(1, SinkLines.of(result));
        sinkResult.setString(2, id);
        sinkResult.addBatch();
    }

    private void addSheetRow(String id, Map<String, String> row) throws SQLException {
        sheetRow.setString(1, LogJson.write(row));
        sheetRow.setString(2, id);
        sheetRow.addBatch();
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

    /** Lines held in memory. */
    int holding() {
        return held.size();
    }

    /**
     * Runs every batch, in order, after adding the held lines that are through (or held long enough; all of them with
     * {@code all}, at a stop).
     */
    void execute(long nowMs, boolean all) throws SQLException {
        for (Iterator<HeldLine> lines = held.values().iterator(); lines.hasNext(); ) {
            HeldLine next = lines.next();
            if (all || next.outcome != Outcome.PENDING || nowMs - next.heldSince >= HOLD_MS) {
                addLine(next);
                lines.remove();
            }
        }
        for (PreparedStatement statement : inOrder) {
            statement.executeBatch();
        }
    }

    private void addLine(HeldLine held) throws SQLException {
        PayloadFacts facts = held.facts;
        StringBuilder sinks = new StringBuilder();
        held.sinks.values().forEach(result -> sinks.append(SinkLines.of(result)));
        line.setString(1, held.id);
        line.setString(2, held.deliveryKey);
        line.setLong(3, LogSchema.seqOf(held.receivedMs));
        line.setString(4, held.webhookName);
        line.setString(5, facts.reference());
        line.setString(6, facts.name());
        line.setString(7, facts.email());
        line.setString(8, facts.slug());
        line.setString(9, String.join("\n", facts.reference(), facts.name(), facts.email(), facts.slug())
                .toLowerCase(Locale.ROOT));
        line.setString(10, held.outcome.name());
        line.setInt(11, held.tries);
        line.setLong(12, held.updatedMs);
        line.setString(13, held.failure);
        line.setString(14, held.failedSink);
        line.setString(15, held.deadLetter);
        line.setString(16, held.repeatOf);
        line.setBoolean(17, held.outcomeChanged);
        line.setString(18, sinks.toString());
        line.addBatch();
        content.setString(1, held.body == null ? null : held.body.file());
        content.setLong(2, held.body == null ? 0 : held.body.offset());
        content.setInt(3, held.body == null ? 0 : held.body.length());
        content.setString(4, held.row == null ? null : LogJson.write(held.row));
        content.setString(5, held.id);
        content.addBatch();
        for (Attempt failed : held.failedTries) {
            insertAttempt(held.id, failed);
        }
    }

    /** After a failed transaction (its connection is closed, with what was added): the lines held are lost too. */
    int clear() {
        int lost = held.size();
        held.clear();
        return lost;
    }

    @Override
    public void close() throws SQLException {
        for (PreparedStatement statement : inOrder) {
            statement.close();
        }
    }
}
