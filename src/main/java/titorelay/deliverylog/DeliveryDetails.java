package titorelay.deliverylog;

import java.util.List;
import java.util.Map;

/**
 * Everything the console shows of one delivery: its line, the envelope's fields (webhook name, received at ...), the
 * body as Tito sent it (empty once it is no longer kept), each failed attempt, and the sheet row it produced (column
 * header to value, as written; empty if it wrote none).
 */
public record DeliveryDetails(LoggedDelivery delivery, Map<String, String> envelope, byte[] body,
        List<Attempt> attempts, Map<String, String> row) {
}
