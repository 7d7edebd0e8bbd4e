package titorelay.inbox;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;

import org.apache.camel.health.HealthCheckResultBuilder;
import org.apache.camel.impl.health.AbstractHealthCheck;

/**
 * How many dead letters wait for a person. Reported in the health details; the relay itself stays UP (it still
 * receives and stores every webhook), so that no orchestrator restarts or unroutes it over a sink's failure.
 */
public final class DeadLetterHealth extends AbstractHealthCheck {

    private final Path directory;

    public DeadLetterHealth(Path directory) {
        super("tito-relay", "dead-letters");
        this.directory = directory;
    }

    @Override
    protected void doCall(HealthCheckResultBuilder builder, Map<String, Object> options) {
        long count = 0;
        if (Files.isDirectory(directory)) {
            try (Stream<Path> files = Files.list(directory)) {
                count = files.filter(f -> !f.getFileName().toString().startsWith(".")).count();
            } catch (IOException e) {
                builder.message("Cannot list " + directory + ": " + e.getMessage()).down();
                return;
            }
        }
        builder.detail("dead-letters", count);
        builder.message(count == 0 ? "No dead letters"
                : count + " dead letter(s) in " + directory + ": see them with 'DeadLetters list', replay with 'DeadLetters replay'");
        builder.up();
    }
}
