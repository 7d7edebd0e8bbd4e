package titorelay.sheets;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * A batch Google refused as a bad request (400) is usually refused for one webhook's rows: rather than fail every
 * webhook of the flush (and again on every retry), the batch is written again in halves, and a refused half is halved
 * again, until the webhook it refuses is alone; only that one fails. About two writes per halving, each at the
 * flush pace. If both halves of a batch are refused, the cause is not one webhook: what is left fails together, as
 * any permanent error does. Writer thread only.
 */
final class RefusedBatch<T> {

    /** The two halves of one refused batch. */
    private static final class Split {
        boolean oneHalfRefused;
    }

    private record Part<T>(List<T> items, Split split) {
    }

    private final Deque<Part<T>> parts = new ArrayDeque<>();
    private Part<T> current;

    /** Parts of a refused batch are still to be written; they go before anything that arrived since. */
    boolean hasParts() {
        return !parts.isEmpty();
    }

    /** A part is being written, or waits to be: nothing that arrived since joins it. */
    boolean busy() {
        return current != null || !parts.isEmpty();
    }

    /** The next part to write. */
    List<T> nextPart() {
        current = parts.poll();
        return new ArrayList<>(current.items());
    }

    /** The last batch or part was written, or failed for a reason other than its content. */
    void settled() {
        current = null;
    }

    /**
     * Google refused the batch (or part) last written: returns what fails now, or nothing if it was halved into parts
     * to write on their own.
     */
    List<T> refused(List<T> batch) {
        Part<T> part = current;
        current = null;
        boolean bothHalvesRefused = part != null && part.split().oneHalfRefused;
        if (part != null) {
            part.split().oneHalfRefused = true;
        }
        if (batch.size() <= 1 || bothHalvesRefused) { // (an empty batch has nothing to halve: it would never end)
            return batch;
        }
        Split split = new Split();
        int half = batch.size() / 2;
        parts.addFirst(new Part<>(List.copyOf(batch.subList(half, batch.size())), split));
        parts.addFirst(new Part<>(List.copyOf(batch.subList(0, half)), split));
        return List.of();
    }
}
