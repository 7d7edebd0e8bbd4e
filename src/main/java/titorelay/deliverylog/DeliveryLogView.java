package titorelay.deliverylog;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/** What the console reads from the delivery log. */
public interface DeliveryLogView {

    /** Lines matching the filter, newest received first, skipping {@code offset}, at most {@code limit}. */
    List<LoggedDelivery> newestFirst(LogFilter filter, int offset, int limit);

    /** How many lines match the filter. */
    long count(LogFilter filter);

    /** One delivery by its id, with its body, attempts and row. */
    Optional<DeliveryDetails> details(String id);

    /** The deliveries received since {@code from}, by outcome. */
    Totals since(Instant from);

    /** Deliveries received in each of the {@code minutes} minutes starting at {@code from} (index 0 is the first). */
    int[] perMinute(Instant from, int minutes);

    /** The webhook names seen, sorted, for the console's filter. */
    List<String> webhookNames();
}
