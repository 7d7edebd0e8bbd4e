package titorelay.deliverylog;

import java.time.Instant;
import java.util.Locale;

/**
 * A line of the delivery log as {@link LogStore} keeps it: the fields of {@link LoggedDelivery}, with what each sink
 * did as {@link SinkLines} text. Kept as an array of strings and numbers, which the store writes without any
 * serializer of ours; {@link #seq} (the key) is not in it.
 */
record StoredLine(String id, String deliveryKey, long seq, String webhookName, String reference, String name,
        String email, String slug, Outcome outcome, int attempts, long updatedMs, String failure, String failedSink,
        String deadLetter, String repeatOf, String sinks) {

    /** How many values {@link #toStored()} makes. */
    static final int FIELDS = 15;

    Object[] toStored() {
        return new Object[] {id, deliveryKey, webhookName, reference, name, email, slug, outcome.name(), attempts,
            updatedMs, failure, failedSink, deadLetter, repeatOf, sinks};
    }

    static StoredLine of(long seq, Object[] stored) {
        return new StoredLine((String) stored[0], (String) stored[1], seq, (String) stored[2], (String) stored[3],
                (String) stored[4], (String) stored[5], (String) stored[6], Outcome.valueOf((String) stored[7]),
                ((Number) stored[8]).intValue(), ((Number) stored[9]).longValue(), (String) stored[10],
                (String) stored[11], (String) stored[12], (String) stored[13], (String) stored[14]);
    }

    LoggedDelivery toLogged() {
        return new LoggedDelivery(id, deliveryKey, Instant.ofEpochMilli(LogStore.receivedMillisOf(seq)), webhookName,
                reference, name, email, slug, outcome, attempts, Instant.ofEpochMilli(updatedMs), SinkLines.parse(sinks),
                failure, failedSink, deadLetter, repeatOf);
    }

    /** Whether the console's filter shows this line (text: in the reference, name, email or slug, any case). */
    boolean matches(LogFilter filter) {
        if (filter.webhookName() != null && !filter.webhookName().isBlank()
            && !webhookName.equals(filter.webhookName().strip())) {
            return false;
        }
        if (filter.outcome() != null && outcome != filter.outcome()) {
            return false;
        }
        if (filter.text() == null || filter.text().isBlank()) {
            return true;
        }
        String text = filter.text().strip().toLowerCase(Locale.ROOT);
        return String.join("\n", reference, name, email, slug).toLowerCase(Locale.ROOT).contains(text);
    }

    StoredLine withOutcome(Outcome newOutcome, long atMs, String newFailure, String newFailedSink,
            String newDeadLetter, String newRepeatOf) {
        return new StoredLine(id, deliveryKey, seq, webhookName, reference, name, email, slug, newOutcome, attempts,
                atMs, newFailure, newFailedSink, newDeadLetter, newRepeatOf == null ? repeatOf : newRepeatOf, sinks);
    }

    StoredLine withMoreTries(int more) {
        return new StoredLine(id, deliveryKey, seq, webhookName, reference, name, email, slug, outcome,
                attempts + more, updatedMs, failure, failedSink, deadLetter, repeatOf, sinks);
    }

    StoredLine withSinks(String moreSinks) {
        return new StoredLine(id, deliveryKey, seq, webhookName, reference, name, email, slug, outcome, attempts,
                updatedMs, failure, failedSink, deadLetter, repeatOf, (sinks == null ? "" : sinks) + moreSinks);
    }
}
