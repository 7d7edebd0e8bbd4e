package titorelay.inbox;

import org.apache.camel.CamelContext;

/**
 * Whether what this relay dispatches is its own, for a sink that another relay could write too (the spreadsheet): has
 * another relay acted on the same things since it last looked (then what it read of the sheet for its age checks is
 * stale), and is it still the only one now (checked just before each write). With the journal, always: one relay
 * dispatches. With the Kafka inbox, the partition of a batch is this relay's while the consumer group says so: each
 * time the group gives partitions out again, another relay may have had it meanwhile.
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

    /**
     * Just before a change that another relay could make too (a spreadsheet write): returns if what is being
     * dispatched is still this relay's, throws if it is not or could not be confirmed in time. Then the change must
     * not be made.
     */
    default void confirm() throws DispatchOwnershipLost {
    }

    /** The ownership the inbox bound in this relay, asked anew each time (none with the journal: always the same term). */
    static DispatchOwnership of(CamelContext camelContext) {
        return new DispatchOwnership() {
            @Override
            public long term() {
                DispatchOwnership bound = bound();
                return bound == null ? 0 : bound.term();
            }

            @Override
            public void confirm() throws DispatchOwnershipLost {
                DispatchOwnership bound = bound();
                if (bound != null) {
                    bound.confirm();
                }
            }

            private DispatchOwnership bound() {
                return camelContext.getRegistry().lookupByNameAndType(BOUND_AS, DispatchOwnership.class);
            }
        };
    }
}
