package titorelay.inbox;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

import org.apache.camel.Exchange;
import org.apache.camel.InvalidPayloadException;
import org.apache.camel.Message;
import org.apache.camel.Processor;

/**
 * Turns a delivery that failed all its retries into a dead letter: the original envelope, unchanged, plus why it
 * failed, where, after how many attempts and when. A dead letter is still an envelope, so moving it back into the
 * inbox replays it. The sink is the one that says it failed ({@code spreadsheet}, {@code organizer-email}), or
 * else the endpoint that failed (e.g. {@code direct://spreadsheet}, or an endpoint a user added to
 * routes/routing.yaml). An inbox entry that is not an envelope at all
 * is kept too, its bytes whole as the body of an envelope named {@code unreadable}, failed sink {@code inbox}.
 */
public class RecordDeadLetter implements Processor {

    public static final String FAILURE = "Failure";
    public static final String FAILED_SINK = "Failed-Sink";
    public static final String ATTEMPTS = "Attempts";
    public static final String FAILED_AT = "Failed-At";
    /** The webhook name and failed sink of a dead letter made of an inbox entry that was not an envelope. */
    public static final String UNREADABLE = "unreadable";
    public static final String UNREADABLE_SINK = "inbox";

    /** Camel clears its redelivery counter before the dead letter step, so each redelivery is noted here. */
    private static final String REDELIVERIES = "TitoRedeliveries";

    /**
     * For the error handler's {@code onRedeliveryRef}: runs before every redelivery. Then tells {@code alsoNote} (the
     * delivery log's step, when there is one) of the try that failed.
     */
    public static Processor noteRedelivery(Processor alsoNote) {
        return exchange -> {
            exchange.setProperty(REDELIVERIES, exchange.getMessage().getHeader(Exchange.REDELIVERY_COUNTER, 0, Integer.class));
            alsoNote.process(exchange);
        };
    }

    @Override
    public void process(Exchange exchange) throws InvalidPayloadException {
        Message message = exchange.getMessage();
        byte[] stored = message.getMandatoryBody(byte[].class);
        InboxEnvelope original = envelopeOf(stored);

        Throwable cause = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class);
        int redeliveries = exchange.getProperty(REDELIVERIES, 0, Integer.class);

        Map<String, String> failure = new LinkedHashMap<>();
        failure.put(FAILURE, reason(cause));
        failure.put(FAILED_SINK, original == null ? UNREADABLE_SINK : failedSink(exchange, cause));
        failure.put(ATTEMPTS, String.valueOf(1 + redeliveries));
        failure.put(FAILED_AT, Instant.now().toString());
        InboxEnvelope kept = original != null ? original
                // Not an envelope (damaged, or put into the inbox by hand): its bytes, whole, inside one, so that it
                // is listed like any dead letter and a person can repair it.
                : new InboxEnvelope(Map.of(InboxEnvelope.WEBHOOK_NAME, UNREADABLE), stored);
        message.setBody(kept.with(failure).toBytes());
    }

    /** Why a try failed, as a dead letter (and the delivery log) says it: "IllegalStateException: the sink is down". */
    public static String reason(Throwable cause) {
        Throwable reason = cause instanceof SinkFailedException ? cause.getCause() : cause;
        return reason == null ? "unknown" : reason.getClass().getSimpleName() + ": " + reason.getMessage();
    }

    /**
     * The sink that failed: the one that says so, else the endpoint or route that failed (before a redelivery, Camel
     * has not yet set the failed endpoint: the last endpoint called).
     */
    public static String failedSink(Exchange exchange, Throwable cause) {
        String sink = SinkFailedException.sinkOf(cause);
        String failedRoute = exchange.getProperty(Exchange.FAILURE_ROUTE_ID, String.class);
        String failedEndpoint = exchange.getProperty(Exchange.FAILURE_ENDPOINT,
                exchange.getProperty(Exchange.TO_ENDPOINT, String.class), String.class);
        return sink != null ? sink : failedEndpoint != null ? failedEndpoint : failedRoute != null ? failedRoute : "unknown";
    }

    /** The stored envelope, or null if the bytes are not one. */
    private static InboxEnvelope envelopeOf(byte[] stored) {
        try {
            return InboxEnvelope.parse(stored);
        } catch (IllegalArgumentException unreadable) {
            return null;
        }
    }
}
