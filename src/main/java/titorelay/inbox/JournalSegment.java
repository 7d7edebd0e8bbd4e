package titorelay.inbox;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.zip.CRC32C;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import titorelay.storage.OwnerOnly;

/**
 * One file of the inbox journal and its record format: {@code magic, name length, envelope length, name, envelope,
 * CRC-32C of name and envelope}, one record after the other, followed by zeros written ahead of them. Appended to
 * under the journal's commit lock, read in order by dispatch ({@link JournalCursor}), deleted once dispatch's position
 * has passed it (kept aside instead if it was found damaged). Its file name is its number, which orders segments.
 */
final class JournalSegment {

    static final int MAX_NAME_BYTES = 1024;

    private static final Logger LOG = LoggerFactory.getLogger(JournalSegment.class);
    static final int MAGIC = 0x5449544F; // "TITO", at the start of every record
    static final int HEADER_BYTES = 12; // magic, name length, envelope length
    static final int MIN_RECORD_BYTES = HEADER_BYTES + 1 + Long.BYTES; // a one-byte name, an empty envelope
    private static final int ZERO_FILL_BYTES = 1 << 20;
    /** Written over and over by every zero fill: one buffer for the process, never changed (each use duplicates it). */
    private static final ByteBuffer ZEROS = ByteBuffer.allocateDirect(64 << 10).asReadOnlyBuffer();

    /** One delivery read back, and where the next record starts. */
    record Record(String fileName, byte[] envelope, long end) {
    }

    final Path path;
    final long number;
    final boolean fromEarlierRun;
    private final FileChannel channel; // for appending; null for an earlier run's segment
    volatile long committedBytes; // fsync'd; dispatch reads up to here
    volatile boolean full; // no more appends
    private long zeroFilledBytes; // under the commit lock
    // The reading side's (JournalCursor's, under its lock):
    private FileChannel reader;
    private final ByteBuffer header = ByteBuffer.allocate(HEADER_BYTES);
    private ByteBuffer scratch;
    volatile long readBytes; // where the next record to dispatch starts
    boolean read; // full, and every record in it read
    int records; // read so far
    boolean damaged; // bytes below the committed ones held no intact record: kept aside, never deleted
    private String lastFileName; // of the last intact record read, to say where damage lies
    private long damagedBytes;

    private JournalSegment(Path path, FileChannel channel, boolean fromEarlierRun) {
        this.path = path;
        this.number = numberOf(path);
        this.channel = channel;
        this.fromEarlierRun = fromEarlierRun;
    }

    /** A new, empty segment to append to. */
    static JournalSegment create(Path path) throws IOException {
        return new JournalSegment(path, FileChannel.open(path,
                Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE), OwnerOnly.fileAttributes()), false);
    }

    /** A segment left by an earlier run: read only, up to its end or its first incomplete record. */
    static JournalSegment fromEarlierRun(Path path) throws IOException {
        JournalSegment segment = new JournalSegment(path, null, true);
        segment.committedBytes = Files.size(path);
        segment.full = true;
        return segment;
    }

    static final String SUFFIX = ".journal";

    /** The file name of segment {@code number}: zero-padded, so that name order is number order. */
    static String fileName(long number) {
        return "%020d%s".formatted(number, SUFFIX);
    }

    /** The number in a segment's file name, or -1 if it is not one. */
    static long numberOf(Path path) {
        String name = path.getFileName().toString();
        if (!name.endsWith(SUFFIX) || name.length() != 20 + SUFFIX.length()) {
            return -1;
        }
        try {
            return Long.parseLong(name.substring(0, 20));
        } catch (NumberFormatException notOurs) {
            return -1;
        }
    }

    static int recordBytes(byte[] name, byte[] envelope) {
        return HEADER_BYTES + name.length + envelope.length + Long.BYTES;
    }

    static void encode(byte[] name, byte[] envelope, ByteBuffer buffer) {
        buffer.putInt(MAGIC).putInt(name.length).putInt(envelope.length).put(name).put(envelope)
                .putLong(checksum(name, envelope));
    }

    /**
     * Writes the encoded records after the committed ones and fsyncs them (data only, see {@link #zeroFill}); then
     * they are committed. {@code limit} is the segment size at which the journal begins the next one.
     */
    void append(ByteBuffer records, long limit) throws IOException {
        long start = committedBytes;
        zeroFill(start + records.remaining(), limit);
        while (records.hasRemaining()) {
            channel.write(records, start + records.position());
        }
        channel.force(false);
        committedBytes = start + records.limit();
    }

    /**
     * Makes the file already hold zeros up to {@code end}: overwriting allocated blocks, an fsync needs to flush only
     * the data, which halves its cost. A zero where a record should start marks the end of the records.
     */
    private void zeroFill(long end, long limit) throws IOException {
        if (end <= zeroFilledBytes) {
            return;
        }
        long target = Math.max(end, Math.min(zeroFilledBytes + ZERO_FILL_BYTES, limit));
        ByteBuffer zeros = ZEROS.duplicate();
        for (long at = zeroFilledBytes; at < target; ) {
            zeros.clear().limit((int) Math.min(zeros.capacity(), target - at));
            at += channel.write(zeros, at);
        }
        zeroFilledBytes = target;
    }

    /** No more appends: dispatch may finish it once it has read up to {@link #committedBytes}. */
    void close() {
        try {
            channel.close();
        } catch (IOException e) {
            LOG.warn("Could not close inbox journal segment {}: {}", this, e.toString());
        }
        full = true;
    }

    /**
     * The next intact record from {@link #readBytes} on, or null if there is none up to {@link #committedBytes}
     * (then {@link #readBytes} is moved there). Bytes on the way that hold no intact record are passed over: the
     * zeros written ahead of the records and a torn tail of an earlier run quietly, damage reported to {@code damage}.
     */
    Record next(JournalDamage damage) throws IOException {
        Record record = recordAt(readBytes);
        if (record == null) {
            long typicalRecordBytes = records == 0 ? 0 : (readBytes - damagedBytes) / records;
            JournalGap gap = JournalGap.from(this, readBytes, committedBytes, typicalRecordBytes);
            if (gap.isTornTail(fromEarlierRun)) {
                LOG.warn("Inbox journal segment {} ends with an incomplete record at byte {}, never acknowledged: ignored",
                        this, gap.start());
            } else if (!gap.isZerosAtTheEnd(fromEarlierRun)) {
                damaged = true;
                damagedBytes += gap.bytes();
                damage.report(this, gap, lastFileName);
            }
            readBytes = gap.end();
            record = gap.next();
        }
        if (record != null) {
            lastFileName = record.fileName();
        }
        return record;
    }

    /** The intact record at {@code position}, or null if there is none: the end of the records, or damage. */
    Record recordAt(long position) throws IOException {
        long end = plausibleEnd(position);
        if (end < 0) {
            return null;
        }
        long namePosition = position + HEADER_BYTES;
        int nameBytes = header.getInt(4);
        // Read into one buffer kept for the next record: only the envelope and the name are new objects.
        ByteBuffer name = scratch(nameBytes);
        if (readAt(name, namePosition) < nameBytes || !isInboxFileName(name.array(), nameBytes)) {
            return null; // never written so; checked before the checksum, which costs reading the whole record
        }
        String fileName = new String(name.array(), 0, nameBytes, StandardCharsets.UTF_8);
        CRC32C crc = new CRC32C();
        crc.update(name.array(), 0, nameBytes);
        long envelopePosition = namePosition + nameBytes;
        int restBytes = (int) (end - envelopePosition);
        ByteBuffer rest = scratch(restBytes);
        if (readAt(rest, envelopePosition) < restBytes) {
            return null;
        }
        int envelopeBytes = restBytes - Long.BYTES;
        crc.update(rest.array(), 0, envelopeBytes);
        if (rest.getLong(envelopeBytes) != crc.getValue()) {
            return null;
        }
        return new Record(fileName, Arrays.copyOf(rest.array(), envelopeBytes), end);
    }

    /** The reading buffer, cleared and limited to {@code bytes}; grown when a record needs more. */
    private ByteBuffer scratch(int bytes) {
        if (scratch == null || scratch.capacity() < bytes) {
            scratch = ByteBuffer.allocate(Math.max(bytes, 8 << 10));
        }
        return scratch.clear().limit(bytes);
    }

    /**
     * The intact records of the segment at {@code path} from {@code from} up to {@code to}, read without moving the
     * segment's own reading place (stops at the first byte that is not an intact record).
     */
    static List<Record> recordsOf(Path path, long from, long to) throws IOException {
        JournalSegment copy = new JournalSegment(path, null, true);
        copy.committedBytes = to;
        List<Record> records = new ArrayList<>();
        try {
            for (Record record; from < to && (record = copy.recordAt(from)) != null; from = record.end()) {
                records.add(record);
            }
        } finally {
            copy.closeReader();
        }
        return records;
    }

    /** A name the journal stores: a plain file name, without a directory, not hidden, no control characters. */
    static boolean isInboxFileName(byte[] name) {
        return isInboxFileName(name, name.length);
    }

    private static boolean isInboxFileName(byte[] name, int length) {
        if (length == 0 || length > MAX_NAME_BYTES || name[0] == '.') {
            return false;
        }
        for (int i = 0; i < length; i++) {
            byte b = name[i];
            if (b == '/' || b >= 0 && b < ' ' || b == 0x7F) {
                return false;
            }
        }
        return true;
    }

    /**
     * Where the record at {@code position} ends if its header reads right (its magic, lengths that fit below
     * {@link #committedBytes}), or -1. Leaves that header in {@link #header}.
     */
    long plausibleEnd(long position) throws IOException {
        header.clear();
        if (readAt(header, position) < HEADER_BYTES || header.getInt(0) != MAGIC) {
            return -1;
        }
        int nameBytes = header.getInt(4);
        int envelopeBytes = header.getInt(8);
        long end = position + HEADER_BYTES + nameBytes + envelopeBytes + Long.BYTES;
        return nameBytes <= 0 || nameBytes > MAX_NAME_BYTES || envelopeBytes < 0 || end > committedBytes ? -1 : end;
    }

    /** Reads into {@code buffer} from {@code position} until it is full or the file ends; the bytes read. */
    int readAt(ByteBuffer buffer, long position) throws IOException {
        openReader();
        int start = buffer.position();
        while (buffer.hasRemaining()) {
            if (reader.read(buffer, position + buffer.position() - start) < 0) {
                break;
            }
        }
        return buffer.position() - start;
    }

    private void openReader() throws IOException {
        if (reader == null) {
            reader = FileChannel.open(path, StandardOpenOption.READ);
        }
    }

    void closeReader() throws IOException {
        if (reader != null) {
            reader.close();
            reader = null;
        }
    }

    private static long checksum(byte[] name, byte[] envelope) {
        CRC32C crc = new CRC32C();
        crc.update(name);
        crc.update(envelope);
        return crc.getValue();
    }

    @Override
    public String toString() {
        return path.getFileName().toString();
    }
}
