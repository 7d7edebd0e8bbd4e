package titorelay.inbox;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import org.apache.camel.spi.IdempotentRepository;
import org.apache.camel.support.service.ServiceSupport;

/**
 * The deliveries being dispatched right now, for an eager idempotent consumer: a key is held from the start of a
 * delivery until it completes (confirmed) or fails (removed), and then forgotten, since the persistent delivery log
 * remembers what completed. A repeat that arrives meanwhile is therefore seen while, and only while, its twin is in
 * flight.
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

    @Override
    public void clear() {
        keys.clear();
    }
}
