package titorelay.deliverylog;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/** The delivery log turned off ({@code relay.delivery-log.enabled=false}): the console shows an empty log. */
final class NoDeliveryLog implements DeliveryLogView {

    @Override
    public List<LoggedDelivery> newestFirst(LogFilter filter, int offset, int limit) {
        return List.of();
    }

    @Override
    public long count(LogFilter filter) {
        return 0;
    }

    @Override
    public Optional<DeliveryDetails> details(String id) {
        return Optional.empty();
    }

    @Override
    public Totals since(Instant from) {
        return new Totals(0, 0, 0, 0, 0);
    }

    @Override
    public int[] perMinute(Instant from, int minutes) {
        return new int[Math.max(0, minutes)];
    }

    @Override
    public List<String> webhookNames() {
        return List.of();
    }
}
