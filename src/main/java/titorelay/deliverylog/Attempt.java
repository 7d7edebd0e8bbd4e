package titorelay.deliverylog;

import java.time.Instant;

/** One failed try of a delivery (a retry follows, or the dead letter): which sink failed, and why. */
public record Attempt(int number, Instant at, String sink, String error) {
}
