package titorelay.inbox;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

import org.apache.camel.Exchange;
import org.apache.camel.ExchangePropertyKey;
import org.apache.camel.Processor;
import org.apache.camel.support.SynchronizationAdapter;
import titorelay.Headers;

/**
 * The deliveries being dispatched right now, each held by the one exchange that dispatches it: from the start of a
 * delivery until that exchange is done (completed, or failed), and then forgotten, since the persistent record of
 * dispatched deliveries remembers what completed. A repeat that arrives meanwhile is therefore seen while, and only
 * while, its twin is in flight.
 * <p>
 * Only the exchange that claimed a key releases it: a repeat that released it when dropped (as Camel's idempotent
 * consumer does, since it runs its completion for the repeats it marks too) would let a third copy be dispatched beside
 * the twin, which may be waiting for the sheet's write or retrying its email: the organizers could get it twice.
 */
public final class DeliveriesInFlight {

    /** The key of each delivery in flight, and the id of the exchange dispatching it. */
    private final ConcurrentMap<String, String> holders = new ConcurrentHashMap<>();

    /**
     * For routes/dispatch.yaml: claims the delivery's key for this exchange until it is done, or, if another exchange
     * holds it, marks this one a repeat (the CamelDuplicateMessage property, which the route's filter reads).
     */
    public Processor claim() {
        return exchange -> {
            String key = exchange.getMessage().getHeader(Headers.DELIVERY_KEY, String.class);
            if (key == null) {
                throw new IllegalStateException("the delivery has no " + Headers.DELIVERY_KEY + " header");
            }
            String exchangeId = exchange.getExchangeId();
            if (holders.putIfAbsent(key, exchangeId) != null) {
                exchange.setProperty(ExchangePropertyKey.DUPLICATE_MESSAGE, Boolean.TRUE);
                return;
            }
            // Added before the dispatched-deliveries record adds its own; Camel runs them last added first, so the
            // delivery is recorded as dispatched before it stops being in flight, and no repeat slips in between.
            exchange.getExchangeExtension().addOnCompletion(new SynchronizationAdapter() {
                @Override
                public void onDone(Exchange done) {
                    holders.remove(key, exchangeId);
                }
            });
        };
    }

    /**
     * For the dead-letter route: a delivery that becomes a dead letter is no longer in flight. Forgotten before the dead
     * letter is written, so that replaying it at once is not taken for a repeat of itself; only by the exchange that
     * holds it (a repeat that failed into a dead letter leaves its twin in flight).
     */
    public Processor forget() {
        return exchange -> {
            String key = exchange.getMessage().getHeader(Headers.DELIVERY_KEY, String.class);
            if (key != null) { // null: the inbox entry could not be read, so it never was in flight
                holders.remove(key, exchange.getExchangeId());
            }
        };
    }
}
