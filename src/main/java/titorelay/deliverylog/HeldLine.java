package titorelay.deliverylog;

import java.util.ArrayList;
import java.util.List;

/**
 * A line the writer keeps in memory for a moment after its delivery was taken (most deliveries are through their
 * sinks within a second or two), so that it is written once, whole, rather than written and then rewritten: each
 * write of a line copies the pages of the store's maps that hold it. Writer thread only.
 */
final class HeldLine {

    final String id;
    final String deliveryKey;
    final long receivedMs;
    final String webhookName;
    /** Null until dispatch's parse tells them, or they are read from the body when the line is written. */
    PayloadFacts facts;
    final long heldSince;
    Outcome outcome = Outcome.PENDING;
    /** Whether the outcome (and its failure fields) replace those of a line already in the store (a replay). */
    boolean outcomeChanged;
    int tries = 1;
    long updatedMs;
    String failure;
    String failedSink;
    String deadLetter;
    String repeatOf;
    /**
     * What each sink did, one result a sink, in the order they first did something; and the failed tries. Made when
     * first needed: lines wait in memory by the thousand, most with one sink and no failure.
     */
    private List<SinkResult> sinks;
    private List<Attempt> failedTries;
    /** The delivery's sheet row as column, value pairs (one array, not a map of cells, while the line waits). */
    String[] rowCells;
    /** Where the body was appended (the line is written with it). */
    BodyFiles.Ref body;

    HeldLine(String id, String deliveryKey, long receivedMs, String webhookName, long heldSince) {
        this.id = id;
        this.deliveryKey = deliveryKey;
        this.receivedMs = receivedMs;
        this.webhookName = webhookName;
        this.heldSince = heldSince;
        this.updatedMs = heldSince;
    }

    /** A sink's result, in place of an earlier one of the same sink. */
    void sinkDid(SinkResult result) {
        if (sinks == null) {
            sinks = new ArrayList<>(2);
        }
        for (int i = 0; i < sinks.size(); i++) {
            if (sinks.get(i).sink().equals(result.sink())) {
                sinks.set(i, result);
                return;
            }
        }
        sinks.add(result);
    }

    List<SinkResult> sinks() {
        return sinks == null ? List.of() : sinks;
    }

    void failedTry(Attempt failed) {
        if (failedTries == null) {
            failedTries = new ArrayList<>(2);
        }
        failedTries.add(failed);
    }

    List<Attempt> failedTries() {
        return failedTries == null ? List.of() : failedTries;
    }

    /** As an outcome change does to a stored line: only from {@code onlyFrom}, when given. */
    void outcome(Outcome newOutcome, Outcome onlyFrom, long atMs, String failure, String failedSink,
            String deadLetter, String repeatOf) {
        if (onlyFrom != null && outcome != onlyFrom) {
            return;
        }
        outcome = newOutcome;
        outcomeChanged = true;
        updatedMs = atMs;
        this.failure = failure;
        this.failedSink = failedSink;
        this.deadLetter = deadLetter;
        if (repeatOf != null) {
            this.repeatOf = repeatOf;
        }
    }
}
