package titorelay.tito;

import java.util.Map;

import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.Route;
import titorelay.Headers;

/**
 * Whether routes/tito-api.yaml hands a record on to {@code direct:reconciled-cancellation}: a void ticket or a
 * cancelled registration that a reconcile pass found (never the backfill's), and only while a route consumes that
 * endpoint, so that the mirror works the same with or without one.
 */
public final class ReconciledCancellation {

    public static final String ENDPOINT = "direct://reconciled-cancellation";

    private final CamelContext camelContext;

    public ReconciledCancellation(CamelContext camelContext) {
        this.camelContext = camelContext;
    }

    public boolean applies(Exchange exchange) {
        RecordKind kind = RecordKind.ofWebhookName(exchange.getMessage().getHeader(Headers.WEBHOOK_NAME, String.class));
        Object record = exchange.getMessage().getBody();
        return kind != null && "reconcile".equals(exchange.getMessage().getHeader(Headers.FOUND_BY))
               && record instanceof Map<?, ?> fields && kind.cancelledState.equals(fields.get("state"))
               && routeExists();
    }

    private boolean routeExists() {
        for (Route route : camelContext.getRoutes()) {
            if (ENDPOINT.equals(route.getEndpoint().getEndpointUri())) {
                return true;
            }
        }
        return false;
    }
}
