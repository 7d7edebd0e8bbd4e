package titorelay.threads;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * For a test of another package whose thread meets a failure that ends the process: while open, ending the process is
 * replaced by noting the status it would end with; closing puts ending the process back.
 */
public final class NotedExits implements AutoCloseable {

    private final List<Integer> statuses = new CopyOnWriteArrayList<>();

    private NotedExits() {
    }

    public static NotedExits start() {
        NotedExits exits = new NotedExits();
        ThreadFailures.exitWith(exits.statuses::add);
        return exits;
    }

    /** The statuses the process would have ended with, in order. */
    public List<Integer> statuses() {
        return List.copyOf(statuses);
    }

    @Override
    public void close() {
        ThreadFailures.exitWith(status -> Runtime.getRuntime().halt(status));
    }
}
