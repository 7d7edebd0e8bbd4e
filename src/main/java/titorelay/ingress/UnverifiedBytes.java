package titorelay.ingress;

/**
 * The body bytes the webhook port may hold, all requests together, before their signatures are checked. A request
 * reserves its declared Content-Length (or, chunked, the largest body allowed) before its body is read, and gives
 * it back when its answer is sent or its connection closes.
 * <p>
 * Tito's webhooks are a few KB. Large bodies (over {@code largeBodyBytes}, or chunked) together may hold only
 * {@code maxLargeBytes} of the budget, so that clients holding many large declared bodies open cannot take the room
 * the small ones need.
 */
final class UnverifiedBytes {

    private final long maxBytes;
    private final long maxLargeBytes;
    private final long largeBodyBytes;
    private long held;
    private long heldLarge;

    UnverifiedBytes(long maxBytes, long maxLargeBytes, long largeBodyBytes) {
        if (maxLargeBytes > maxBytes) {
            throw new IllegalArgumentException("tito.max-unverified-large-bytes (" + maxLargeBytes
                                               + ") is more than tito.max-unverified-bytes (" + maxBytes + ")");
        }
        this.maxBytes = maxBytes;
        this.maxLargeBytes = maxLargeBytes;
        this.largeBodyBytes = largeBodyBytes;
    }

    /** False, reserving nothing, if the body does not fit now. */
    synchronized boolean tryReserve(long bytes) {
        boolean large = bytes > largeBodyBytes;
        if (held + bytes > maxBytes || (large && heldLarge + bytes > maxLargeBytes)) {
            return false;
        }
        held += bytes;
        if (large) {
            heldLarge += bytes;
        }
        return true;
    }

    synchronized void release(long bytes) {
        held -= bytes;
        if (bytes > largeBodyBytes) {
            heldLarge -= bytes;
        }
    }

    synchronized long held() {
        return held;
    }
}
