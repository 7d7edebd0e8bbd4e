package titorelay.ingress;

import io.vertx.core.http.HttpServerRequest;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.Processor;
import org.apache.camel.component.platform.http.vertx.HttpMessage;
import titorelay.Headers;

/**
 * First step of the ingress route (after {@link RequestGuard} has refused wrong methods, form bodies and oversized
 * bodies): the body becomes the raw {@code byte[]} as received, and only the headers the relay needs are kept, read
 * from the HTTP request itself. Camel's own consumer (for the requests AsyncRouteConsumer leaves to it) copies every
 * header and query parameter into the message, and a {@code ?X-Webhook-Name=} must never steer routing: every other
 * header is dropped.
 */
public class ReadWebhookRequest implements Processor {

    public static final String ENDPOINT_ID = "X-Webhook-Endpoint-Id";

    @Override
    public void process(Exchange exchange) {
        Message message = exchange.getMessage();
        if (!(message instanceof HttpMessage http)) {
            throw new IllegalStateException("ingress must consume from platform-http (Vert.x)");
        }
        HttpServerRequest request = http.getRequest();
        byte[] body = message.getBody(byte[].class);
        message.getHeaders().clear();
        message.setBody(body == null ? new byte[0] : body);
        copyHeader(request, message, Headers.WEBHOOK_NAME);
        copyHeader(request, message, Headers.SIGNATURE);
        copyHeader(request, message, ENDPOINT_ID);
    }

    private static void copyHeader(HttpServerRequest request, Message message, String name) {
        String value = request.getHeader(name);
        if (value != null) {
            message.setHeader(name, value);
        }
    }
}
