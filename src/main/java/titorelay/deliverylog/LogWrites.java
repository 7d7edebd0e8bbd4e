package titorelay.deliverylog;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import titorelay.Timestamps;
import titorelay.inbox.InboxEnvelope;
import titorelay.inbox.RecordDeadLetter;
import titorelay.sheets.SheetColumns.RowChange;

/**
 * What the writer thread does with each event, in {@link LogStore}. A line taken is held in memory
 * ({@link HeldLine}) until its outcome is known or {@link #HOLD_MS} have passed, and then written whole, with where
 * its body is; what happens to a line already written updates it. A line's attempts and row are written only if the
 * line is there (never orphans, whatever was dropped). Writer thread only.
 */
final class LogWrites {

    /** How long a line may wait in memory for its outcome before it is written as pending. */
    static final long HOLD_MS = 2_000;
    /** Which delivery a repeat repeated: the first line of each recent delivery key. */
    private static final int REMEMBERED_KEYS = 10_000;

    private final LogStore store;
    /** Lines taken and not yet written, oldest first. */
    private final Map<String, HeldLine> held = new LinkedHashMap<>();
    private final Map<String, String> firstOfKey = new LinkedHashMap<>(1024, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, String> eldest) {
            return size() > REMEMBERED_KEYS;
        }
    };

    private final BodyFiles bodies;

    LogWrites(LogStore store, BodyFiles bodies) {
        this.store = store;
        this.bodies = bodies;
    }

    void taken(LogEvent.Taken event) {
        long receivedMs = receivedMillis(event);
        HeldLine heldLine = held.get(event.id());
        if (heldLine != null) {
            heldLine.tries++;
        } else {
            heldLine = new HeldLine(event.id(), event.deliveryKey(), receivedMs,
                    event.webhookName() == null ? "" : event.webhookName(), event.at().toEpochMilli());
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
        Instant received = Timestamps.parse(event.receivedAt());
        return received == null ? event.at().toEpochMilli() : received.toEpochMilli();
    }

    /** From dispatch's parse: facts of a line not yet written (one written had them read from its body). */
    void facts(LogEvent.Facts event) {
        HeldLine heldLine = held.get(event.id());
        if (heldLine != null) {
            heldLine.facts = event.facts();
        }
    }

    void repeat(LogEvent.Repeat event) {
        String first = event.deliveryKey() == null ? null : firstOfKey.get(event.deliveryKey());
        String repeatOf = first == null || first.equals(event.id()) ? null : first;
        // A delivery done before a crash and taken again after it stays done.
        outcome(event.id(), Outcome.REPEAT, Outcome.PENDING, event.at(), null, null, null, repeatOf);
    }

    void outcome(String id, Outcome newOutcome, Outcome onlyFrom, Instant at, String failure, String failedSink,
            String deadLetter) {
        outcome(id, newOutcome, onlyFrom, at, failure, failedSink, deadLetter, null);
    }

    private void outcome(String id, Outcome newOutcome, Outcome onlyFrom, Instant at, String failure,
            String failedSink, String deadLetter, String repeatOf) {
        HeldLine heldLine = held.get(id);
        if (heldLine != null) {
            heldLine.outcome(newOutcome, onlyFrom, at.toEpochMilli(), failure, failedSink, deadLetter, repeatOf);
            return;
        }
        StoredLine line = store.line(id);
        if (line != null && (onlyFrom == null || line.outcome() == onlyFrom)) {
            store.replace(line.withOutcome(newOutcome, at.toEpochMilli(), failure, failedSink, deadLetter, repeatOf));
        }
    }

    /** A failed try; one that is retried counts one more try. */
    void attempt(String id, Attempt failed) {
        HeldLine heldLine = held.get(id);
        if (heldLine != null) {
            heldLine.failedTry(failed);
            heldLine.tries++;
            return;
        }
        StoredLine line = store.line(id);
        if (line != null) {
            store.addAttempt(id, failed);
            store.replace(line.withMoreTries(1));
        }
    }

    private void insertAttempt(String id, Attempt failed) {
        if (store.line(id) != null) {
            store.addAttempt(id, failed);
        }
    }

    void deadLetter(LogEvent.DeadLetter event) {
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
            heldLine.failedTry(last);
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

    void sinkDid(LogEvent.SinkDid event) {
        String[] row = event.rows() == null || event.rows().isEmpty() ? null : rowCells(event.rows());
        HeldLine heldLine = held.get(event.id());
        if (heldLine != null) {
            heldLine.sinkDid(event.result());
            if (row != null) {
                heldLine.rowCells = row;
            }
            return;
        }
        StoredLine line = store.line(event.id());
        if (line == null) {
            return;
        }
        line = line.withSinks(SinkLines.of(event.result()));
        if (row == null) {
            store.replace(line);
        } else {
            store.replace(line, merged(store.content(line.seq()), null, row));
        }
    }

    /**
     * {@link #cellsOf} as column, value, column, value...: how the store keeps a row. No JSON to write for each
     * delivery (it was a fifth of the writer's thread), and the column names are the sheet's own strings.
     */
    static String[] rowCells(List<RowChange> rows) {
        if (rows.size() == 1) { // most deliveries: made without the map of cellsOf
            return pairs(rows.get(0).set(), rows.get(0).fill());
        }
        return pairs(cellsOf(rows), Map.of());
    }

    /** The cells of {@code first}, then those of {@code then} whose column {@code first} has not. */
    private static String[] pairs(Map<String, String> first, Map<String, String> then) {
        String[] pairs = new String[2 * (first.size() + then.size())];
        int next = 0;
        for (Map.Entry<String, String> cell : first.entrySet()) {
            pairs[next++] = cell.getKey();
            pairs[next++] = cell.getValue();
        }
        for (Map.Entry<String, String> cell : then.entrySet()) {
            if (!first.containsKey(cell.getKey())) {
                pairs[next++] = cell.getKey();
                pairs[next++] = cell.getValue();
            }
        }
        return next == pairs.length ? pairs : Arrays.copyOf(pairs, next);
    }

    /** A row as the store keeps it ({@link #rowCells}), or as JSON text (lines written by earlier versions). */
    static Map<String, String> rowOf(Object stored) {
        if (stored instanceof String[] pairs) {
            Map<String, String> cells = new LinkedHashMap<>();
            for (int i = 0; i + 1 < pairs.length; i += 2) {
                cells.put(pairs[i], pairs[i + 1]);
            }
            return cells;
        }
        return LogJson.read((String) stored);
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
    void execute(long nowMs, boolean all) {
        try {
            bodies.flush(); // before the lines that say where they are
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot append bodies to the delivery log: " + e.getMessage(), e);
        }
        for (Iterator<HeldLine> lines = held.values().iterator(); lines.hasNext(); ) {
            HeldLine next = lines.next();
            if (all || next.outcome != Outcome.PENDING || nowMs - next.heldSince >= HOLD_MS) {
                addLine(next);
                lines.remove();
            }
        }
    }

    /**
     * A held line, written whole: a new line, or (a replay, a delivery taken again after a restart) its update. Its
     * failed attempts go first, so that a reader who sees the line failed also sees why.
     */
    private void addLine(HeldLine held) {
        for (Attempt failed : held.failedTries()) {
            store.addAttempt(held.id, failed);
        }
        StringBuilder sinks = new StringBuilder();
        held.sinks().forEach(result -> sinks.append(SinkLines.of(result)));
        StoredLine earlier = store.line(held.id);
        String[] cells = held.rowCells;
        if (earlier == null) {
            PayloadFacts facts = held.facts != null ? held.facts : factsFromBody(held.body);
            store.add(new StoredLine(held.id, held.deliveryKey, LogStore.seqOf(held.receivedMs),
                    held.webhookName, facts.reference(), facts.name(), facts.email(), facts.slug(), held.outcome,
                    held.tries, held.updatedMs, held.failure, held.failedSink, held.deadLetter, held.repeatOf,
                    sinks.toString()), content(held.body, cells));
        } else {
            StoredLine line = earlier.withMoreTries(held.tries).withSinks(sinks.toString());
            if (held.outcomeChanged) {
                line = line.withOutcome(held.outcome, held.updatedMs, held.failure, held.failedSink, held.deadLetter,
                        held.repeatOf);
            }
            store.replace(line, merged(store.content(line.seq()), held.body, cells));
        }
    }

    /** The facts of a line that was not parsed by dispatch (a repeat), or whose facts were dropped: rare. */
    private PayloadFacts factsFromBody(BodyFiles.Ref body) {
        try {
            return body == null ? PayloadFacts.NONE : PayloadFacts.of(bodies.read(body));
        } catch (IOException unreadable) {
            return PayloadFacts.NONE;
        }
    }

    /** A stored line's content with a new body and row where given (null: the earlier one stays). */
    private static Object[] merged(Object[] earlier, BodyFiles.Ref body, String[] cells) {
        if (earlier == null) {
            return content(body, cells);
        }
        Object[] content = body == null ? earlier.clone() : content(body, earlier[3]);
        if (cells != null) {
            content[3] = cells;
        }
        return content;
    }

    /** A line's content: where its body is, and its sheet row ({@link #rowCells}). */
    private static Object[] content(BodyFiles.Ref body, Object cells) {
        return new Object[] {body == null ? null : body.file(), body == null ? 0L : body.offset(),
            body == null ? 0 : body.length(), cells};
    }

    /** After a failed write: the lines held are lost too. */
    int clear() {
        int lost = held.size();
        held.clear();
        return lost;
    }
}
