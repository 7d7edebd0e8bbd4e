package titorelay.deliverylog;

import java.util.Locale;

/** What became of one delivery, as the console shows and filters it. */
public enum Outcome {
    /** Stored, not yet through every sink of its name (or being retried). */
    PENDING,
    /** Through every sink of its name. */
    DONE,
    /** Failed every retry: kept as a dead letter, waiting for a replay. */
    FAILED,
    /** The same webhook name over the same bytes as a delivery before it: dropped. */
    REPEAT,
    /** No branch of routes/routing.yaml takes its name: kept and counted, sent nowhere. */
    UNROUTED;

    /** The word the console shows and takes in its filter ("done", "failed" ...). */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The outcome of a label, or null for none or an unknown one. */
    public static Outcome ofLabel(String label) {
        for (Outcome outcome : values()) {
            if (outcome.label().equals(label)) {
                return outcome;
            }
        }
        return null;
    }
}
