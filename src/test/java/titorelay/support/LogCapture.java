package titorelay.support;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The log lines of a relay started in this JVM (slf4j-simple writes to whatever System.err is at the time), still
 * passed on to the original stream; for a test that checks what the log says.
 */
public final class LogCapture implements AutoCloseable {

    private final PrintStream original = System.err;
    private final ByteArrayOutputStream captured = new ByteArrayOutputStream();

    public LogCapture() {
        System.setErr(new PrintStream(new OutputStream() {
            @Override
            public void write(int b) {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] bytes, int offset, int length) {
                synchronized (captured) {
                    captured.write(bytes, offset, length);
                }
                original.write(bytes, offset, length);
            }
        }, true, StandardCharsets.UTF_8));
    }

    public List<String> lines() {
        synchronized (captured) {
            return captured.toString(StandardCharsets.UTF_8).lines().toList();
        }
    }

    /**
     * The lines as the log wrote them, split at its line separator only: a bare carriage return or any other control
     * character inside a line stays in it ({@link #lines} would split at a lone CR, hiding it).
     */
    public List<String> rawLines() {
        synchronized (captured) {
            return List.of(captured.toString(StandardCharsets.UTF_8).split(System.lineSeparator()));
        }
    }

    @Override
    public void close() {
        System.setErr(original);
    }
}
