package titorelay.inbox;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import titorelay.storage.OwnerOnly;

/**
 * Where dispatch is in the inbox journal, kept in one small file ({@code inbox-journal/dispatch.position}, text:
 * {@code segment offset}): every delivery before that place is done. Written to a temporary file and renamed over the
 * old one, without an fsync: a position that a power cut loses or leaves unreadable only means that a restart begins
 * earlier (at the oldest segment), and dispatches again what was done since, which dispatch drops as repeats and the
 * sinks skip. It can never be ahead of what is done, so it loses nothing.
 */
final class DispatchPosition {

    private static final Logger LOG = LoggerFactory.getLogger(DispatchPosition.class);

    /** A place in the journal: a segment's number and a byte offset in it. */
    record At(long segment, long offset) {
    }

    private final Path file;
    private final Path writing;

    DispatchPosition(Path journalDir) {
        this.file = journalDir.resolve("dispatch.position");
        this.writing = journalDir.resolve(".dispatch.position.writing");
    }

    /** The position saved last, or null if there is none (a new journal) or it cannot be read. */
    At load() throws IOException {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.US_ASCII).trim();
        } catch (NoSuchFileException none) {
            return null;
        }
        String[] fields = text.split(" ");
        try {
            if (fields.length == 2) {
                At at = new At(Long.parseLong(fields[0]), Long.parseLong(fields[1]));
                if (at.segment() >= 0 && at.offset() >= 0) {
                    return at;
                }
            }
        } catch (NumberFormatException unreadable) {
            // reported below
        }
        LOG.warn("{} cannot be read ({} bytes); dispatch begins at the oldest journal segment, and drops what it did "
                 + "before as repeats", file, text.length());
        return null;
    }

    void save(At at) throws IOException {
        OwnerOnly.write(writing, (at.segment() + " " + at.offset() + "\n").getBytes(StandardCharsets.US_ASCII));
        Files.move(writing, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    @Override
    public String toString() {
        return file.toString();
    }
}
