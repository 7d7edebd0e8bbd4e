package titorelay.deliverylog;

import java.time.Instant;
import java.util.List;

import titorelay.sheets.SheetColumns.RowChange;

/**
 * What dispatch tells the delivery log, queued by the hooks of routes/ and applied later by its writer thread: each
 * event adds its statements to the writer's batches ({@link LogWrites}). Events hold only what the hook had at hand
 * (the body's bytes, the row changes); parsing and formatting happen on the writer's thread.
 */
sealed interface LogEvent {

    /** Body bytes held by the event, for the queue's byte bound. */
    default int bytes() {
        return 0;
    }

    void addTo(LogWrites writes);

    /** Dispatch took the delivery from the inbox: a new line, or one more try of a known one (a replay, a restart). */
    record Taken(String id, String webhookName, String receivedAt, String deliveryKey, byte[] body,
            Instant at) implements LogEvent {
        @Override
        public int bytes() {
            return body == null ? 0 : body.length;
        }

        @Override
        public void addTo(LogWrites writes) {
            writes.taken(this);
        }
    }

    /** Dispatch parsed the delivery's JSON: the line's reference, name, email and slug. */
    record Facts(String id, PayloadFacts facts) implements LogEvent {
        @Override
        public void addTo(LogWrites writes) {
            writes.facts(this);
        }
    }

    /** The line's outcome changed; {@code onlyFrom} (null for any) is the outcome it must have had. */
    record OutcomeChanged(String id, Outcome outcome, Outcome onlyFrom, Instant at) implements LogEvent {
        @Override
        public void addTo(LogWrites writes) {
            writes.outcome(id, outcome, onlyFrom, at, null, null, null);
        }
    }

    /** Dispatch dropped it as a repeat of a delivery done or in flight. */
    record Repeat(String id, String deliveryKey, Instant at) implements LogEvent {
        @Override
        public void addTo(LogWrites writes) {
            writes.repeat(this);
        }
    }

    /** A try failed and will be retried. */
    record FailedTry(String id, Attempt attempt) implements LogEvent {
        @Override
        public void addTo(LogWrites writes) {
            writes.attempt(id, attempt);
        }
    }

    /** Kept as a dead letter: its bytes (the envelope with the failure's fields) and its file name. */
    record DeadLetter(String id, byte[] deadLetter, String fileName, Instant at) implements LogEvent {
        @Override
        public int bytes() {
            return deadLetter.length;
        }

        @Override
        public void addTo(LogWrites writes) {
            writes.deadLetter(this);
        }
    }

    /** A sink did something with the delivery (the spreadsheet's rows, when it wrote some). */
    record SinkDid(String id, SinkResult result, List<RowChange> rows) implements LogEvent {
        @Override
        public void addTo(LogWrites writes) {
            writes.sinkDid(this);
        }
    }
}
