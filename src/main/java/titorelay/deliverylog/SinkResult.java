package titorelay.deliverylog;

import java.time.Instant;

/**
 * What one sink did with a delivery and when: {@code spreadsheet} "row written", {@code organizer-email} "email sent"
 * or "skipped: ...".
 */
public record SinkResult(String sink, String did, Instant at) {
}
