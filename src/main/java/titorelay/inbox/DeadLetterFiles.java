package titorelay.inbox;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import java.util.stream.Stream;

/**
 * The dead letters in {@code data/dead-letters/}, as the command line tool and the console list and replay them.
 * Replaying moves a dead letter into {@code data/inbox/}, where the relay stores it in the journal again under the same
 * name and dispatches it; each sink skips what it had already done for that delivery.
 */
public final class DeadLetterFiles {

    /** One dead letter: its file name, and why it failed where. */
    public record DeadLetter(String file, String webhookName, String sink, String attempts, String failedAt,
            String failure) {

        /**
         * Whether a replay can help: a dead letter made of an inbox entry that could not be read (named
         * {@code unreadable}) needs a person to repair its bytes first.
         */
        public boolean replayable() {
            return !RecordDeadLetter.UNREADABLE.equals(webhookName);
        }
    }

    private DeadLetterFiles() {
    }

    /** Every dead letter, oldest first (names begin with the time received). */
    public static List<DeadLetter> list(Path data) throws IOException {
        List<DeadLetter> all = new ArrayList<>();
        for (Path file : files(data.resolve("dead-letters"))) {
            byte[] bytes;
            try {
                bytes = Files.readAllBytes(file);
            } catch (java.nio.file.NoSuchFileException replayedMeanwhile) {
                continue;
            }
            InboxEnvelope envelope = InboxEnvelope.parse(bytes);
            all.add(new DeadLetter(file.getFileName().toString(), envelope.field(InboxEnvelope.WEBHOOK_NAME),
                    envelope.field(RecordDeadLetter.FAILED_SINK), envelope.field(RecordDeadLetter.ATTEMPTS),
                    envelope.field(RecordDeadLetter.FAILED_AT), envelope.field(RecordDeadLetter.FAILURE)));
        }
        return all;
    }

    /** Moves the chosen replayable dead letters into the inbox; returns those moved. */
    public static List<DeadLetter> replay(Path data, List<DeadLetter> chosen) throws IOException {
        Path inbox = data.resolve("inbox");
        Files.createDirectories(inbox);
        List<DeadLetter> moved = new ArrayList<>();
        for (DeadLetter deadLetter : chosen) {
            if (!deadLetter.replayable()) {
                continue;
            }
            Path file = data.resolve("dead-letters").resolve(deadLetter.file());
            try {
                // Atomic: the replay consumer never sees half a file, and a dead letter is never in both places.
                Files.move(file, inbox.resolve(deadLetter.file()), StandardCopyOption.ATOMIC_MOVE);
                moved.add(deadLetter);
            } catch (java.nio.file.NoSuchFileException replayedMeanwhile) {
                // replayed by someone else since it was listed
            }
        }
        return moved;
    }

    /** Whether the dead letter of this file name is (still) there. */
    public static boolean exists(Path data, String file) {
        return file != null && !file.isEmpty() && !file.contains("/") && !file.contains("\\") && !file.startsWith(".")
               && Files.isRegularFile(data.resolve("dead-letters").resolve(file));
    }

    /** The dead letters the predicate chooses. */
    public static List<DeadLetter> select(Path data, Predicate<DeadLetter> chosen) throws IOException {
        return list(data).stream().filter(chosen).toList();
    }

    private static List<Path> files(Path directory) throws IOException {
        if (!Files.isDirectory(directory)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(directory)) {
            return files.filter(f -> !f.getFileName().toString().startsWith(".")).sorted().toList();
        }
    }
}
