package titorelay.inbox;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Set;
import java.util.zip.CRC32C;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import titorelay.storage.OwnerOnly;

/**
 * One file of the inbox journal and its record format: {@code magic, name length, envelope length, name, envelope,
 * CRC-32C of name and envelope}, one record after the other, followed by zeros written ahead of them. Appended to
 * under the journal's commit lock, read by its spooler, deleted once its deliveries are done.
 */
final class JournalSegment {

    static final int MAX_NAME_BYTES = 1024;

    private static final Logger LOG = LoggerFactory.getLogger(JournalSegment.class);
    private static final int MAGIC = 0x5449544F; // "TITO", at the start of every record
    private static final int HEADER_BYTES = 12; // magic, name length, envelope length
    private static final int ZERO_FILL_BYTES = 1 << 20;

    /** One delivery read back, and where the next record starts. */
    record Record(String fileName, byte[] envelope, long end) {
    }

    final Path path;
    final boolean fromEarlierRun;
    private final FileChannel channel; // for appending; null for an earlier run's segment
    volatile long committedBytes; // fsync'd; the spooler reads up to here
    volatile boolean full; // no more appends
    private long zeroFilledBytes; // under the commit lock
    // The spooler's alone:
    private FileChannel reader;
    long spooledBytes;
    boolean spooled; // every record read and spooled
    int records; // read so far
    int gone; // of those, how many have left the inbox (or never needed to be in it)

    private JournalSegment(Path path, FileChannel channel, boolean fromEarlierRun) {
        this.path = path;
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
        ByteBuffer zeros = ByteBuffer.allocate((int) Math.min(ZERO_FILL_BYTES, target - zeroFilledBytes));
        for (long at = zeroFilledBytes; at < target; ) {
            zeros.clear().limit((int) Math.min(zeros.capacity(), target - at));
            at += channel.write(zeros, at);
        }
        zeroFilledBytes = target;
    }

    /** No more appends: the spooler may finish it once it has read up to {@link #committedBytes}. */
    void close() {
        try {
            channel.close();
        } catch (IOException e) {
            LOG.warn("Could not close inbox journal segment {}: {}", this, e.toString());
        }
        full = true;
    }

    /** The record at {@code position}, or null at the end of the records or at an incomplete one. */
    Record read(long position) throws IOException {
        if (reader == null) {
            reader = FileChannel.open(path, StandardOpenOption.READ);
        }
        ByteBuffer header = readFully(position, HEADER_BYTES);
        if (header == null || header.getInt(0) == 0 && fromEarlierRun) {
            return null; // the end of the file, or of its records: the zeros written ahead of them
        }
        if (header.getInt() != MAGIC) {
            return torn();
        }
        int nameBytes = header.getInt();
        int envelopeBytes = header.getInt();
        if (nameBytes <= 0 || nameBytes > MAX_NAME_BYTES || envelopeBytes < 0
                || position + HEADER_BYTES + nameBytes + envelopeBytes + Long.BYTES > committedBytes) {
            return torn();
        }
        ByteBuffer rest = readFully(position + HEADER_BYTES, nameBytes + envelopeBytes + Long.BYTES);
        if (rest == null) {
            return torn();
        }
        byte[] name = new byte[nameBytes];
        byte[] envelope = new byte[envelopeBytes];
        rest.get(name).get(envelope);
        if (rest.getLong() != checksum(name, envelope)) {
            return torn();
        }
        return new Record(new String(name, StandardCharsets.UTF_8), envelope,
                position + HEADER_BYTES + nameBytes + envelopeBytes + Long.BYTES);
    }

    void closeReader() throws IOException {
        if (reader != null) {
            reader.close();
            reader = null;
        }
    }

    private ByteBuffer readFully(long position, int bytes) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(bytes);
        while (buffer.hasRemaining()) {
            if (reader.read(buffer, position + buffer.position()) < 0) {
                return null;
            }
        }
        return buffer.flip();
    }

    private Record torn() {
        if (fromEarlierRun) {
            LOG.warn("Inbox journal segment {} ends with an incomplete record, never acknowledged: ignored", this);
            return null;
        }
        throw new IllegalStateException("inbox journal segment " + this + " is damaged below its committed size");
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
