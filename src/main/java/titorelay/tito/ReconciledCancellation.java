package titorelay.tito;

import java.util.Map;

import org.apache.camel.Exchange;
import titorelay.Headers;

/**
 * Whether routes/tito-api.yaml hands a record on to {@code direct:reconciled-cancellation} (routes/routing.yaml): a
 * void ticket or a cancelled registration that a reconcile pass found, never the backfill's.
 */
public final class ReconciledCancellation {

    public boolean applies(Exchange exchange) {
        RecordKind kind = RecordKind.ofWebhookName(exchange.getMessage().getHeader(Headers.WEBHOOK_NAME, String.class));
        Object record = exchange.getMessage().getBody();
        return kind != null && "reconcile".equals(exchange.getMessage().getHeader(Headers.FOUND_BY))
               && record instanceof Map<?, ?> fields && kind.cancelledState.equals(fields.get("state"));
    }
}
