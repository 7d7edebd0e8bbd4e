package titorelay.deliverylog;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.h2.mvstore.Cursor;
import org.h2.mvstore.MVMap;
import org.h2.mvstore.MVStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import titorelay.Timestamps;
import titorelay.storage.OwnerOnly;

/**
 * Where the delivery log keeps its lines: sorted maps in one file ({@code data/delivery-log/delivery-log.store}),
 * through H2's MVStore, the storage engine under the H2 database, used without SQL on top. A line costs a few map
 * puts: no statement to parse, plan or run, and no row or index objects beyond the map's own pages (SQL over the same
 * engine cost the end-to-end throughput about four times as much). Lines are keyed by {@code seq}, the time received
 * in milliseconds times 1,000 plus a count within that millisecond, so that the key order is newest-first order and the
 * console's time ranges are key ranges; the console's filters read lines in that order (as the SQL did: a text search
 * reads every line anyway). One writer ({@link LogWriter}); readers on the console's threads read the maps while it
 * writes (each map read sees a consistent version). Changes reach the file within a second (MVStore's own writer
 * thread, which also compacts the file): the log is not part of the delivery guarantee, and a crash may lose its
 * last second.
 */
final class LogStore implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(LogStore.class);
    static final String FILE = "delivery-log.store";
    /** What an earlier version kept (an H2 database), replaced by {@link #FILE}. */
    private static final String EARLIER_DATABASE = "delivery-log.mv.db";
    /** Webhook names remembered for the console's filter: Tito has fifteen. */
    private static final int MAX_NAMES = 200;

    private final MVStore store;
    /**
     * seq -> {@link StoredLine#toStored()}, followed by its content: {body file, body offset, body length, sheet row
     * as JSON}, read only on a delivery's page. One value, so that a new line is one update of this map.
     */
    private final MVMap<Long, Object[]> lines;
    /**
     * A line's id (its inbox name) -> its seq, only for a line whose seq is not in the millisecond its name starts with
     * (a clock set back, a name of another shape, a thousand lines in one millisecond) and for the lines of earlier
     * versions: the others are found from their name, among the few keys of that millisecond. One map update a line
     * less (with it, MVStore's updates were most of what the log cost the relay).
     */
    private final MVMap<String, Long> ids;
    /** A line's id -> its failed attempts, four values each (number, at, sink, error): rare. */
    private final MVMap<String, Object[]> attempts;
    /** Every webhook name seen -> when it was first seen. */
    private final MVMap<String, Long> names;
    /** The keys of {@link #names}, in memory: the writer asks for each new line (writer thread only). */
    private final Set<String> namesKept;
    /** A test's fault, run before each new line is put (a slow or broken disk), or null. */
    private volatile Runnable beforeEachNewLine;

    private LogStore(MVStore store) {
        this.store = store;
        this.lines = store.openMap("lines");
        this.ids = store.openMap("ids");
        this.attempts = store.openMap("attempts");
        this.names = store.openMap("names");
        this.namesKept = new HashSet<>(names.keySet());
    }

    /**
     * Opens (or creates) the store in {@code directory}; a small page cache (the relay's heap is small, and the
     * console reads little). The file is made readable by the relay's user only.
     */
    static LogStore open(Path directory) throws IOException {
        Path earlier = directory.resolve(EARLIER_DATABASE);
        if (Files.deleteIfExists(earlier)) {
            LOG.info("Deleted the delivery log of an earlier version ({}); the console's history starts again", earlier);
        }
        Path file = directory.resolve(FILE);
        MVStore store = new MVStore.Builder().fileName(file.toString()).cacheSize(4)
                .backgroundExceptionHandler((thread, failure) -> LOG.warn("The delivery log cannot write its file"
                        + " ({}): the console may miss what was not written", failure.toString()))
                .open();
        OwnerOnly.restrict(file);
        return new LogStore(store);
    }

    static long seqOf(long epochMillis) {
        return epochMillis * 1000;
    }

    static long receivedMillisOf(long seq) {
        return seq / 1000;
    }

    void faultBeforeEachNewLine(Runnable fault) {
        this.beforeEachNewLine = fault;
    }

    // ---- writes (the writer thread only)

    /** The line with this id, or null. */
    StoredLine line(String id) {
        long named = Timestamps.inboxNameMillis(id);
        if (named >= 0) {
            long first = seqOf(named);
            for (Cursor<Long, Object[]> keys = lines.cursor(first, first + 999, false); keys.hasNext(); ) {
                long seq = keys.next();
                if (id.equals(keys.getValue()[0])) {
                    return StoredLine.of(seq, keys.getValue());
                }
            }
        }
        Long seq = ids.get(id);
        Object[] stored = seq == null ? null : lines.get(seq);
        return stored == null ? null : StoredLine.of(seq, stored);
    }

    /** A new line, under the first free key of the millisecond it was received in. */
    void add(StoredLine line, Object[] content) {
        Runnable fault = beforeEachNewLine;
        if (fault != null) {
            fault.run();
        }
        long seq = firstFreeSeq(line.seq());
        Object[] stored = withContent(line.toStored(), content);
        // Every update of the maps a plain put (no putIfAbsent or replace): MVStore's one update method is then
        // compiled for one kind of decision, not compiled again as each new kind shows up under load.
        lines.put(seq, stored);
        if (Timestamps.inboxNameMillis(line.id()) != receivedMillisOf(seq)) {
            ids.put(line.id(), seq); // not found from its name
        }
        if (namesKept.size() < MAX_NAMES && namesKept.add(line.webhookName())) {
            names.put(line.webhookName(), receivedMillisOf(seq));
        }
    }

    /**
     * The first key from {@code seq} on that no line has (one writer: it stays free until it puts), read with one
     * cursor through the keys taken in that millisecond rather than a lookup of each.
     */
    private long firstFreeSeq(long seq) {
        long free = seq;
        for (Cursor<Long, Object[]> taken = lines.cursor(seq, null, false); taken.hasNext() && taken.next() == free; ) {
            free++;
        }
        return free;
    }

    /** The line changed, its content as it was. */
    void replace(StoredLine line) {
        replace(line, content(line.seq()));
    }

    /** The line and its content changed, in one update. */
    void replace(StoredLine line, Object[] content) {
        lines.put(line.seq(), withContent(line.toStored(), content));
    }

    /** Where a line's body is and its sheet row, or null. */
    Object[] content(long seq) {
        Object[] stored = lines.get(seq);
        return stored == null || stored.length < StoredLine.FIELDS + CONTENT_FIELDS ? null
                : Arrays.copyOfRange(stored, StoredLine.FIELDS, StoredLine.FIELDS + CONTENT_FIELDS);
    }

    private static final int CONTENT_FIELDS = 4;

    private static Object[] withContent(Object[] line, Object[] content) {
        Object[] both = Arrays.copyOf(line, StoredLine.FIELDS + CONTENT_FIELDS);
        if (content != null) {
            System.arraycopy(content, 0, both, StoredLine.FIELDS, CONTENT_FIELDS);
        }
        return both;
    }

    void addAttempt(String id, Attempt attempt) {
        Object[] earlier = attempts.get(id);
        int length = earlier == null ? 0 : earlier.length;
        Object[] all = new Object[length + 4];
        if (earlier != null) {
            System.arraycopy(earlier, 0, all, 0, length);
        }
        all[length] = attempt.number();
        all[length + 1] = attempt.at().toEpochMilli();
        all[length + 2] = attempt.sink();
        all[length + 3] = attempt.error();
        attempts.put(id, all);
    }

    /** Removes up to {@code batch} lines received before {@code cutoffSeq}, oldest first; true if there may be more. */
    boolean trim(long cutoffSeq, int batch) {
        List<Long> old = new ArrayList<>();
        for (java.util.Iterator<Long> keys = lines.keyIterator(null); keys.hasNext() && old.size() < batch; ) {
            long seq = keys.next();
            if (seq >= cutoffSeq) {
                break;
            }
            old.add(seq);
        }
        for (long seq : old) {
            Object[] stored = lines.remove(seq);
            if (stored != null) {
                String id = StoredLine.of(seq, stored).id();
                if (line(id) == null) { // no other line of that id
                    if (ids.containsKey(id)) {
                        ids.remove(id);
                    }
                    if (attempts.containsKey(id)) {
                        attempts.remove(id);
                    }
                }
            }
        }
        return old.size() >= batch;
    }

    // ---- reads (any thread)

    /** Lines, newest first. */
    Iterable<StoredLine> newestFirst() {
        return () -> new LineIterator(lines.cursor(null, null, true));
    }

    /** Lines received in [{@code fromSeq}, {@code toSeq}), oldest first. */
    Iterable<StoredLine> between(long fromSeq, long toSeq) {
        return () -> new LineIterator(lines.cursor(fromSeq, toSeq - 1, false));
    }

    long size() {
        return lines.sizeAsLong();
    }

    List<Attempt> attempts(String id) {
        Object[] stored = attempts.get(id);
        List<Attempt> all = new ArrayList<>();
        for (int i = 0; stored != null && i + 3 < stored.length; i += 4) {
            all.add(new Attempt(((Number) stored[i]).intValue(),
                    java.time.Instant.ofEpochMilli(((Number) stored[i + 1]).longValue()), (String) stored[i + 2],
                    (String) stored[i + 3]));
        }
        return all;
    }

    List<String> webhookNames() {
        return List.copyOf(names.keyList());
    }

    /** For tests: how many entries each map holds. */
    Map<String, Long> sizes() {
        return Map.of("lines", lines.sizeAsLong(), "ids", ids.sizeAsLong(), "attempts", attempts.sizeAsLong());
    }

    @Override
    public void close() {
        store.close();
    }

    private static final class LineIterator implements java.util.Iterator<StoredLine> {
        private final Cursor<Long, Object[]> cursor;

        LineIterator(Cursor<Long, Object[]> cursor) {
            this.cursor = cursor;
        }

        @Override
        public boolean hasNext() {
            return cursor.hasNext();
        }

        @Override
        public StoredLine next() {
            long seq = cursor.next();
            return StoredLine.of(seq, cursor.getValue());
        }
    }
}
