package titorelay.deliverylog;

import java.time.Instant;
import java.util.List;

/**
 * One line of the delivery log. {@code id} is the delivery's name in the inbox (kept by its dead letter and its
 * replay, so that a replay updates the same line); reference, name, email and slug come from the payload (empty when
 * it has none). {@code failure}, {@code failedSink} and {@code deadLetter} (the dead letter's file name) are set while
 * the outcome is {@link Outcome#FAILED}; {@code repeatOf} names the delivery a {@link Outcome#REPEAT} repeated, when
 * known.
 */
public record LoggedDelivery(String id, String deliveryKey, Instant receivedAt, String webhookName, String reference,
        String name, String email, String slug, Outcome outcome, int attempts, Instant updatedAt,
        List<SinkResult> sinks, String failure, String failedSink, String deadLetter, String repeatOf) {
}
