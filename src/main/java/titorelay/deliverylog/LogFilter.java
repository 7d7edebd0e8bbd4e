package titorelay.deliverylog;

/**
 * Which lines of the delivery log to show: a webhook name, an outcome, and a text found in the reference, name,
 * email or slug (case-insensitive); each null or blank for any.
 */
public record LogFilter(String webhookName, Outcome outcome, String text) {

    public static LogFilter all() {
        return new LogFilter(null, null, null);
    }
}
