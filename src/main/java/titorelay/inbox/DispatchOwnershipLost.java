package titorelay.inbox;

/**
 * What is being dispatched may be another relay's now: this relay could not confirm that it still owns the Kafka
 * partition of the deliveries it holds (it was frozen past its session, or the group gave the partition out again).
 * The deliveries are given up uncommitted, neither retried nor kept as dead letters: the partition's owner dispatches
 * them.
 */
public class DispatchOwnershipLost extends Exception {

    public DispatchOwnershipLost(String message, Throwable cause) {
        super(message, cause);
    }
}
