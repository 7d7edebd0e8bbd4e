package titorelay.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** jvm.options, the JVM options the README recommends: a java launcher argument file, one option a line. */
public final class JvmOptionsFile {

    public static final Path PATH = Path.of("jvm.options");

    private JvmOptionsFile() {
    }

    /** Its options, as the launcher reads them: without the comments (from # to the line's end) and blank lines. */
    public static List<String> options() {
        try {
            return Files.readAllLines(PATH).stream().map(line -> line.replaceFirst("#.*", "").strip())
                    .filter(option -> !option.isEmpty()).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
