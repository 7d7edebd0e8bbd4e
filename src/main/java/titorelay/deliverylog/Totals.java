package titorelay.deliverylog;

/** Deliveries of a period: received (every one stored), processed (done), repeats dropped, unrouted, dead letters. */
public record Totals(long received, long processed, long repeats, long unrouted, long deadLetters) {
}
