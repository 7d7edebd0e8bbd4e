package titorelay.inbox;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import org.apache.camel.Processor;
import org.apache.camel.spi.IdempotentRepository;
import org.apache.camel.support.service.ServiceSupport;
import titorelay.Headers;

/**
 * The deliveries being dispatched right now, for an eager idempotent consumer: a key is held from the start of a
 * delivery until it completes (confirmed) or fails (removed), and then forgotten, since the persistent record of
 * dispatched deliveries remembers what completed. A repeat that arrives meanwhile is therefore seen while, and only
 * while, its twin is in flight.
 */
public final class DeliveriesInFlight extends ServiceSupport implements IdempotentRepository {

    private final Set<String> keys = ConcurrentHashMap.newKeySet();

    @Override
    public boolean add(String key) {
        return keys.add(key);
    }

    @Override
    public boolean contains(String key) {
        return keys.contains(key);
    }

    @Override
    public boolean remove(String key) {
        return keys.remove(key);
    }

    /** Completed: no longer in flight. */
    @Override
    public boolean confirm(String key) {
        keys.remove(key);
        return true;
    }

    /**
     * For the dead-letter route: a delivery that becomes a dead letter is no longer in flight. Forgotten before the dead
     * letter is written, so that replaying it at once is not taken for a repeat of itself.
     */
    public Processor forget() {
        return exchange -> {
            String key = exchange.getMessage().getHeader(Headers.DELIVERY_KEY, String.class);
            if (key != null) { // null: the inbox entry could not be read, so it never was in flight
                keys.remove(key);
            }
        };
    }

    @Override
    public void clear() {
        keys.clear();
    }
}
