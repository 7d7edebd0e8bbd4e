package titorelay.tools;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import titorelay.inbox.DeadLetterFiles;
import titorelay.inbox.DeadLetterFiles.DeadLetter;

/**
 * Lists the relay's dead letters, and replays them: all, some by file name, or those of one sink. Replaying moves a
 * dead letter back into the inbox, where dispatch takes it again (a running relay at once, else at its next start);
 * each sink skips what it had already done for that delivery.
 *
 * <pre>
 * java -cp target/tito-relay.jar titorelay.tools.DeadLetters list
 * java -cp target/tito-relay.jar titorelay.tools.DeadLetters replay                    # all
 * java -cp target/tito-relay.jar titorelay.tools.DeadLetters replay --sink spreadsheet # those of one sink
 * java -cp target/tito-relay.jar titorelay.tools.DeadLetters replay FILE...            # these
 * </pre>
 *
 * The data directory is RELAY_DATA_DIR, or -Drelay.data-dir, or ./data. A dead letter made of an inbox entry that
 * could not be read (named {@code unreadable}, sink {@code inbox}) is listed but not replayed: a person repairs it.
 */
public final class DeadLetters {

    private DeadLetters() {
    }

    public static void main(String[] args) throws IOException {
        Path data = Path.of(System.getProperty("relay.data-dir",
                System.getenv().getOrDefault("RELAY_DATA_DIR", "data")));
        int status = run(data, System.out, args);
        if (status != 0) {
            System.exit(status);
        }
    }

    /** Does what the arguments say; returns the exit status. */
    public static int run(Path data, PrintStream out, String... args) throws IOException {
        if (args.length == 0 || !(args[0].equals("list") || args[0].equals("replay"))) {
            out.println("usage: DeadLetters list | replay [--sink SINK] [FILE...]");
            return 2;
        }
        String sink = null;
        List<String> names = new ArrayList<>();
        for (int i = 1; i < args.length; i++) {
            if (args[i].equals("--sink") && i + 1 < args.length) {
                sink = args[++i];
            } else {
                names.add(Path.of(args[i]).getFileName().toString());
            }
        }
        String wantedSink = sink;
        List<DeadLetter> selected = new ArrayList<>();
        for (DeadLetter deadLetter : DeadLetterFiles.select(data, d -> (wantedSink == null || wantedSink.equals(d.sink()))
                                                                     && (names.isEmpty() || names.contains(d.file())))) {
            if (args[0].equals("replay") && !deadLetter.replayable()) {
                // Dispatch could not read it before and would not now: it needs a person first.
                out.printf("Not replayed: %s was not a readable inbox entry; repair the bytes after its blank line by hand%n",
                        deadLetter.file());
                continue;
            }
            selected.add(deadLetter);
            if (args[0].equals("list")) {
                out.printf("%s%n  %s, sink %s, %s attempt(s), failed at %s%n  %s%n", deadLetter.file(),
                        deadLetter.webhookName(), deadLetter.sink(), deadLetter.attempts(), deadLetter.failedAt(),
                        deadLetter.failure());
            }
        }
        if (args[0].equals("replay")) {
            DeadLetterFiles.replay(data, selected);
            out.printf("Replayed %d dead letter(s) into %s%n", selected.size(), data.resolve("inbox"));
        } else {
            out.printf("%d dead letter(s) in %s%n", selected.size(), data.resolve("dead-letters"));
        }
        if (!names.isEmpty() && selected.size() < names.size()) {
            out.println("Some of the named files are not dead letters (or not of that sink)");
            return 1;
        }
        return 0;
    }
}
