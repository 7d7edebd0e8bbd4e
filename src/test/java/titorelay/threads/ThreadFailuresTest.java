package titorelay.threads;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Which failures end the process for a supervisor to restart it (the JVM's own: out of memory, internal errors), and
 * which a thread recovers from. Ending the process is replaced by noting the status it would end with.
 */
class ThreadFailuresTest {

    private final List<Integer> exits = new CopyOnWriteArrayList<>();
    private Thread.UncaughtExceptionHandler previousHandler;

    @BeforeEach
    void noteExits() {
        ThreadFailures.exitWith(exits::add);
        previousHandler = Thread.getDefaultUncaughtExceptionHandler();
    }

    @AfterEach
    void restore() {
        ThreadFailures.exitWith(status -> Runtime.getRuntime().halt(status));
        Thread.setDefaultUncaughtExceptionHandler(previousHandler);
    }

    @Test
    void aFailureOfTheJvmEndsTheProcessWithANonZeroStatus() {
        ThreadFailures.exitIfFatal("test", new OutOfMemoryError("Java heap space"));
        ThreadFailures.exitIfFatal("test", new InternalError("injected"));
        assertEquals(List.of(70, 70), exits);
    }

    @Test
    void otherErrorsAreLeftToTheThreadToRecoverFrom() {
        ThreadFailures.exitIfFatal("test", new LinkageError("injected"));
        ThreadFailures.exitIfFatal("test", new StackOverflowError());
        ThreadFailures.exitIfFatal("test", new IllegalStateException("injected"));
        assertEquals(List.of(), exits);
    }

    @Test
    void aThreadThatDiesOfAJvmFailureEndsTheProcessAndOfAnythingElseIsLogged() throws Exception {
        ThreadFailures.installDefaultHandler();
        Thread dying = new Thread(() -> {
            throw new IllegalStateException("injected");
        });
        dying.start();
        dying.join();
        assertEquals(List.of(), exits);

        Thread outOfMemory = new Thread(() -> {
            throw new OutOfMemoryError("injected");
        });
        outOfMemory.start();
        outOfMemory.join();
        assertEquals(List.of(70), exits);
    }
}
