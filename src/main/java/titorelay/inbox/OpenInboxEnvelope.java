package titorelay.inbox;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;

import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.Processor;
import org.apache.camel.component.file.GenericFile;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import titorelay.ingress.TitoWebhookNames;
import titorelay.Headers;

/**
 * Reads a delivery back from the inbox: the envelope's fields become headers ({@code X-Webhook-Name},
 * {@code TitoReceivedAt}, {@code TitoDeliveryKey}) for dispatch to route on, and {@code TitoMetricName} for its
 * counters. The body stays the envelope's bytes, the very array Camel keeps for a dead letter, until
 * {@link TakeTitosBytes} takes Tito's bytes out of it past dispatch's error handler: the copy that error handler
 * keeps of a delivery waiting for its sheet's batch then holds no second copy of them.
 * <p>
 * Deliveries are dispatched concurrently (a sink may hold one until its batch is written), so the file poller can
 * list a file whose delivery completes, and is deleted, just before it is read. Such a file is done: it is skipped.
 */
public class OpenInboxEnvelope implements Processor {


    private static final Logger LOG = LoggerFactory.getLogger(OpenInboxEnvelope.class);

    @Override
    public void process(Exchange exchange) throws IOException {
        Message message = exchange.getMessage();
        byte[] bytes;
        if (message.getBody() instanceof GenericFile<?> stored && stored.getFile() instanceof File file) {
            try {
                bytes = Files.readAllBytes(file.toPath());
            } catch (NoSuchFileException alreadyDispatched) {
                LOG.debug("{} was dispatched and removed while listed; skipping it", file);
                exchange.setRouteStop(true);
                return;
            }
        } else {
            bytes = message.getBody(byte[].class);
        }
        InboxEnvelope.Head head = InboxEnvelope.head(bytes);
        String name = head.fields().get(InboxEnvelope.WEBHOOK_NAME);
        message.setHeader(Headers.WEBHOOK_NAME, name);
        message.setHeader(Headers.METRIC_NAME, TitoWebhookNames.metricName(name));
        message.setHeader(Headers.RECEIVED_AT, head.fields().get(InboxEnvelope.RECEIVED_AT));
        message.setHeader(Headers.DELIVERY_KEY, head.deliveryKey(bytes));
        message.setBody(bytes);
    }
}
