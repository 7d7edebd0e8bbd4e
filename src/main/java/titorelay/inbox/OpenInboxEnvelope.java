package titorelay.inbox;

import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.Processor;

/**
 * Reads a delivery back from the inbox: the body becomes Tito's original bytes, and the envelope's fields become
 * headers ({@code X-Webhook-Name}, {@code TitoReceivedAt}, {@code TitoDeliveryKey}) for dispatch to route on.
 */
public class OpenInboxEnvelope implements Processor {

    public static final String RECEIVED_AT = "TitoReceivedAt";
    public static final String DELIVERY_KEY = "TitoDeliveryKey";

    @Override
    public void process(Exchange exchange) {
        Message message = exchange.getMessage();
        InboxEnvelope envelope = InboxEnvelope.parse(message.getBody(byte[].class));
        message.setHeader(InboxEnvelope.WEBHOOK_NAME, envelope.field(InboxEnvelope.WEBHOOK_NAME));
        message.setHeader(RECEIVED_AT, envelope.field(InboxEnvelope.RECEIVED_AT));
        message.setHeader(DELIVERY_KEY, envelope.deliveryKey());
        message.setBody(envelope.body());
    }
}
