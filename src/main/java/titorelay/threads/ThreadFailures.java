package titorelay.threads;

import java.util.function.IntConsumer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What happens when one of the relay's threads fails with something other than the exceptions it expects.
 * <p>
 * The relay's own loops (dispatch's journal reader, the spreadsheet writer, the inbox journal's committer) catch every
 * {@link Error}, report it (through health, or a 503 to the requests a failed commit carried), and start over. Two cases they cannot recover from end the process instead, with a non-zero status for a
 * supervisor to restart it (everything acknowledged is in the inbox journal, so a restart loses nothing): a failure
 * of the JVM itself ({@link VirtualMachineError}: out of memory, an internal error; other threads of the JVM,
 * Camel's and Vert.x's, may have died of it unseen), and any thread dying of such a failure. A thread that dies of
 * anything else is logged with its stack trace.
 */
public final class ThreadFailures {

    /** The status the process ends with (EX_SOFTWARE). */
    public static final int EXIT_STATUS = 70;

    private static final Logger LOG = LoggerFactory.getLogger(ThreadFailures.class);
    /** Halt rather than exit: after a JVM failure the shutdown hooks may never finish. */
    private static volatile IntConsumer exit = status -> Runtime.getRuntime().halt(status);

    private ThreadFailures() {
    }

    /** Ends the process if {@code failure} is one no thread can recover from; returns otherwise. */
    public static void exitIfFatal(String thread, Throwable failure) {
        if (failure instanceof VirtualMachineError && !(failure instanceof StackOverflowError)) {
            try {
                LOG.error("{} failed with {}: the relay exits (status {}) for its supervisor to restart it", thread,
                        failure, EXIT_STATUS);
            } finally {
                exit.accept(EXIT_STATUS);
            }
        }
    }

    /** Every thread's last resort, for threads the relay does not start itself; set once, at start. */
    public static void installDefaultHandler() {
        Thread.setDefaultUncaughtExceptionHandler((thread, failure) -> {
            exitIfFatal(thread.getName(), failure);
            LOG.error("Thread {} died", thread.getName(), failure);
        });
    }

    /** For tests: what ending the process does. */
    static void exitWith(IntConsumer action) {
        exit = action;
    }
}
