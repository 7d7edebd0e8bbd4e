package titorelay.inbox;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

import org.apache.camel.Endpoint;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.Processor;

/**
 * Turns a delivery that failed all its retries into a dead letter: the original envelope, unchanged, plus why it
 * failed, where, after how many attempts and when. A dead letter is still an envelope, so moving it back into the
 * inbox replays it.
 */
public class RecordDeadLetter implements Processor {

    public static final String FAILURE = "Failure";
    public static final String FAILED_SINK = "Failed-Sink";
    public static final String ATTEMPTS = "Attempts";
    public static final String FAILED_AT = "Failed-At";

    @Override
    public void process(Exchange exchange) {
        Message message = exchange.getMessage();
        InboxEnvelope original = InboxEnvelope.parse(message.getBody(byte[].class));

        Throwable cause = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class);
        Endpoint failedAt = exchange.getProperty(Exchange.FAILURE_ENDPOINT, Endpoint.class);
        Integer redeliveries = message.getHeader(Exchange.REDELIVERY_COUNTER, Integer.class);

        Map<String, String> failure = new LinkedHashMap<>();
        failure.put(FAILURE, cause == null ? "unknown" : cause.getClass().getSimpleName() + ": " + cause.getMessage());
        failure.put(FAILED_SINK, failedAt == null ? "unknown" : failedAt.getEndpointBaseUri());
        failure.put(ATTEMPTS, String.valueOf(1 + (redeliveries == null ? 0 : redeliveries)));
        failure.put(FAILED_AT, Instant.now().toString());
        message.setBody(original.with(failure).toBytes());
    }
}
