package titorelay.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import titorelay.tools.SendSample;

/** Tito's reference payloads, kept in samples/ exactly as published. */
public final class Samples {

    public static final Path DIR = Path.of("samples");

    private Samples() {
    }

    public static List<String> names() {
        try (Stream<Path> files = Files.list(DIR)) {
            return files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".json")).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static byte[] bytes(String name) {
        try {
            return Files.readAllBytes(DIR.resolve(name));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The webhook name each sample stands for (any of its family would do). */
    public static String webhookName(String sample) {
        return SendSample.nameFor(sample);
    }
}
