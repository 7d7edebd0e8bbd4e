package titorelay.deliverylog;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.EnumSet;
import java.util.stream.Stream;

import titorelay.storage.OwnerOnly;

/**
 * The bodies of the delivery log's lines: appended, as Tito sent them, to one file per day
 * ({@code data/delivery-log/bodies/20261128.bodies}), each line keeping where its body is. Outside the store, so
 * that a body costs one write at the end of a file (not pages of a B-tree rewritten as lines arrive), and is released
 * by the writer as soon as it is taken; no fsync, like the rest of the log (not part of the delivery guarantee). The
 * bodies of one batch of the writer are gathered and written at once ({@link #flush}), before the lines that say
 * where they are. A whole day's file is deleted once every line in it is past the retention. Appends: writer thread
 * only.
 */
final class BodyFiles implements AutoCloseable {

    static final String SUFFIX = ".bodies";
    private static final DateTimeFormatter DAY = DateTimeFormatter.ofPattern("yyyyMMdd").withZone(ZoneOffset.UTC);
    private static final long DAY_MILLIS = 86_400_000L;

    /** Where one body is. */
    record Ref(String file, long offset, int length) {
    }

    /** Bodies gathered before a write: a batch's worth at the end-to-end benchmark's rate. */
    private static final int GATHERED_BYTES = 256 * 1024;

    private final Path directory;
    /**
     * Native, so that a write goes from it straight to the file: the JDK copies a heap buffer into a native one for
     * each write, and keeps that copy only up to jdk.nio.maxCachedBufferSize (128 kB in jvm.options).
     */
    private final ByteBuffer gathered = ByteBuffer.allocateDirect(GATHERED_BYTES);
    private String currentName;
    /** The start of the current file's day (UTC), so that the day's name is formatted once a day, not per body. */
    private long currentDayStart;
    private FileChannel current;
    /** The current file's size once what is gathered is written. */
    private long size;

    BodyFiles(Path directory) {
        this.directory = directory;
    }

    /** Appends the body to today's file (written by the next {@link #flush} at the latest); returns where it is. */
    Ref append(byte[] body, long nowMillis) throws IOException {
        if (currentName == null || nowMillis < currentDayStart || nowMillis >= currentDayStart + DAY_MILLIS) {
            String name = DAY.format(Instant.ofEpochMilli(nowMillis)) + SUFFIX;
            close();
            OwnerOnly.directory(directory);
            current = FileChannel.open(directory.resolve(name), EnumSet.of(StandardOpenOption.CREATE,
                    StandardOpenOption.WRITE), OwnerOnly.fileAttributes());
            size = current.size();
            current.position(size);
            currentName = name;
            currentDayStart = Math.floorDiv(nowMillis, DAY_MILLIS) * DAY_MILLIS;
        }
        Ref ref = new Ref(currentName, size, body.length);
        if (body.length > gathered.remaining()) {
            flush();
        }
        if (body.length > gathered.capacity()) {
            write(ByteBuffer.wrap(body));
        } else {
            gathered.put(body);
        }
        size += body.length;
        return ref;
    }

    /** Writes the bodies gathered so far. */
    void flush() throws IOException {
        if (gathered.position() > 0) {
            gathered.flip();
            try {
                write(gathered);
            } catch (IOException failed) {
                // The file's end is not where the next body's place would say: opened again, at its real end.
                gathered.clear();
                FileChannel broken = current;
                current = null;
                currentName = null;
                broken.close();
                throw failed;
            }
            gathered.clear();
        }
    }

    private void write(ByteBuffer bytes) throws IOException {
        while (bytes.hasRemaining()) {
            current.write(bytes);
        }
    }

    /** A body appended before the last {@link #flush}. */
    byte[] read(Ref ref) throws IOException {
        return read(directory, ref.file(), ref.offset(), ref.length());
    }

    /** A body, or an empty array if its file is gone (past the retention) or shorter than the line says. */
    static byte[] read(Path directory, String file, long offset, int length) throws IOException {
        if (file == null || file.contains("/") || file.contains("\\") || !file.endsWith(SUFFIX)) {
            return new byte[0];
        }
        try (FileChannel channel = FileChannel.open(directory.resolve(file), StandardOpenOption.READ)) {
            ByteBuffer bytes = ByteBuffer.allocate(length);
            while (bytes.hasRemaining()) {
                if (channel.read(bytes, offset + bytes.position()) < 0) {
                    return new byte[0];
                }
            }
            return bytes.array();
        } catch (NoSuchFileException gone) {
            return new byte[0];
        }
    }

    /** Deletes the files of days that ended before {@code cutoffMillis}. */
    void trim(long cutoffMillis) throws IOException {
        if (!Files.isDirectory(directory)) {
            return;
        }
        String lastKept = DAY.format(Instant.ofEpochMilli(cutoffMillis)) + SUFFIX;
        try (Stream<Path> files = Files.list(directory)) {
            for (Path file : files.toList()) {
                String name = file.getFileName().toString();
                if (name.endsWith(SUFFIX) && name.compareTo(lastKept) < 0 && !name.equals(currentName)) {
                    Files.deleteIfExists(file);
                }
            }
        }
    }

    @Override
    public void close() throws IOException {
        if (current != null) {
            try {
                flush();
            } finally {
                current.close();
            }
            current = null;
            currentName = null;
        }
    }
}
