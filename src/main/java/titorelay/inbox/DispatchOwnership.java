package titorelay.inbox;

import org.apache.camel.CamelContext;

/**
 * Whether another relay may have acted on the same things as this one since it last looked, for a sink that keeps
 * what it read of a shared place (the spreadsheet's rows, for their age checks). With the journal, never: one relay
 * dispatches. With the Kafka inbox, each time the consumer group's partitions were given out again: the partition
 * this relay dispatches now may have been another relay's meanwhile, which wrote the spreadsheet too.
 */
@FunctionalInterface
public interface DispatchOwnership {

    /** The name the Kafka inbox binds its ownership under. */
    String BOUND_AS = "dispatchOwnership";

    /**
     * A number that stays the same while this relay alone dispatched what it dispatches now; when it changes, what a
     * sink read of a shared place before must be read again.
     */
    long term();

    /** The ownership the inbox bound in this relay, asked anew each time (none with the journal: always the same term). */
    static DispatchOwnership of(CamelContext camelContext) {
        return () -> {
            DispatchOwnership bound = camelContext.getRegistry().lookupByNameAndType(BOUND_AS, DispatchOwnership.class);
            return bound == null ? 0 : bound.term();
        };
    }
}
