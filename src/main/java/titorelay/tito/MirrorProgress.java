package titorelay.tito;

import java.io.IOException;
import java.io.Reader;
import java.io.StringWriter;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.Properties;

import titorelay.storage.Fsync;
import titorelay.storage.OwnerOnly;

/**
 * How far the mirror got, kept in {@code data/tito-api/progress.properties} so that a restart resumes: per event and
 * list, the last page of its backfill that is in the sheet (and the second its last record was created in) and
 * whether the backfill is done; per event, the time up to which a reconcile pass (or the backfill) has seen every
 * change. Each update is written to a new file, fsync'd and
 * renamed over the old one, so the file is always whole. Used by one thread at a time (the timer's).
 */
final class MirrorProgress {

    private final Path file;
    private final Properties state = new Properties();

    MirrorProgress(Path dataDir) throws IOException {
        this.file = OwnerOnly.directory(dataDir.resolve("tito-api")).resolve("progress.properties");
        if (Files.exists(file)) {
            try (Reader reader = Files.newBufferedReader(file)) {
                state.load(reader);
            }
        }
    }

    int lastPage(String event, RecordKind kind) {
        return Integer.parseInt(state.getProperty(event + "." + kind.path + ".last-page", "0"));
    }

    boolean listDone(String event, RecordKind kind) {
        return state.containsKey(event + "." + kind.path + ".done");
    }

    boolean backfillDone(String event) {
        return state.containsKey(event + ".reconciled-until");
    }

    /** When this event's backfill began (its first start, kept across restarts): what reconciling starts from. */
    Instant backfillStarted(String event, Instant now) throws IOException {
        String started = state.getProperty(event + ".backfill-started");
        if (started == null) {
            set(event + ".backfill-started", now.toString());
            return now;
        }
        return Instant.parse(started);
    }

    /**
     * The backfill's page {@code page} is in the sheet; {@code end} is the second in which its last record was
     * created (null if unknown), which tells the page after it whether a boundary split records created together.
     */
    void pageDone(String event, RecordKind kind, int page, Instant end) throws IOException {
        String prefix = event + "." + kind.path;
        if (end == null) {
            state.remove(prefix + ".last-page-ends");
        } else {
            state.setProperty(prefix + ".last-page-ends", end.toString());
        }
        set(prefix + ".last-page", String.valueOf(page));
    }

    /** The second in which the last record of the last page done was created; null if unknown. */
    Instant lastPageEnd(String event, RecordKind kind) {
        String end = state.getProperty(event + "." + kind.path + ".last-page-ends");
        return end == null ? null : Instant.parse(end);
    }

    void markListDone(String event, RecordKind kind) throws IOException {
        set(event + "." + kind.path + ".done", "true");
    }

    Instant reconciledUntil(String event) {
        return Instant.parse(state.getProperty(event + ".reconciled-until"));
    }

    void reconciledUntil(String event, Instant until) throws IOException {
        set(event + ".reconciled-until", until.toString());
    }

    private void set(String key, String value) throws IOException {
        state.setProperty(key, value);
        StringWriter text = new StringWriter();
        state.store(text, "Progress of the mirror of Tito's Admin API; delete an event's lines to backfill it again");
        Path temporary = file.resolveSibling(".writing-" + file.getFileName());
        Files.deleteIfExists(temporary);
        OwnerOnly.createFile(temporary, text.toString().getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
        try (FileChannel channel = FileChannel.open(temporary, StandardOpenOption.WRITE)) {
            channel.force(true);
        }
        Files.move(temporary, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        Fsync.directory(file.getParent());
    }
}
