package titorelay.inbox;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.Map;

import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.Processor;
import titorelay.Headers;

/**
 * Wraps a verified webhook into an {@link InboxEnvelope} and names it so that the inbox, read in name order, is read
 * in arrival order: {@code 20261126T185500.123Z-000000042-ticket.updated.webhook}.
 */
public class SealInboxEnvelope implements Processor {

    private static final DateTimeFormatter FILE_TIME = DateTimeFormatter.ofPattern("uuuuMMdd'T'HHmmss.SSS'Z'")
            .withZone(ZoneOffset.UTC);

    private long lastMillis;
    private long sequence;
    /** {@link #lastMillis} as the name's time, and the millisecond it was formatted for. */
    private String formattedTime;
    private long formattedMillis;

    @Override
    public void process(Exchange exchange) {
        Message message = exchange.getMessage();
        String name = message.getHeader(Headers.WEBHOOK_NAME, String.class);
        Instant receivedAt = Instant.now();

        Map<String, String> fields = new LinkedHashMap<>();
        fields.put(InboxEnvelope.WEBHOOK_NAME, name);
        fields.put(InboxEnvelope.RECEIVED_AT, receivedAt.toString());
        String endpointId = message.getHeader(InboxEnvelope.ENDPOINT_ID, String.class);
        if (endpointId != null) {
            fields.put(InboxEnvelope.ENDPOINT_ID, endpointId);
        }
        message.setBody(new InboxEnvelope(fields, message.getBody(byte[].class)).toBytes());
        message.setHeader(Exchange.FILE_NAME, nextFileName(receivedAt, name));
    }

    private synchronized String nextFileName(Instant receivedAt, String name) {
        // Never go back in time, even if the clock does, so that name order stays arrival order.
        lastMillis = Math.max(lastMillis, receivedAt.toEpochMilli());
        sequence++;
        // Concatenation rather than String.format, which showed in the ingress profile.
        String counter = Long.toString(sequence % 1_000_000_000L);
        if (lastMillis != formattedMillis || formattedTime == null) {
            // Formatted once per millisecond: at the webhook port's rate, a dozen names share it.
            formattedTime = FILE_TIME.format(Instant.ofEpochMilli(lastMillis));
            formattedMillis = lastMillis;
        }
        return formattedTime + "-" + "0".repeat(9 - counter.length()) + counter + "-" + name + ".webhook";
    }
}
