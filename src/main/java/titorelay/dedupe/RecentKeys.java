package titorelay.dedupe;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Iterator;
import java.util.LinkedHashSet;

import org.apache.camel.spi.IdempotentRepository;
import org.apache.camel.support.service.ServiceSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import titorelay.storage.Fsync;
import titorelay.storage.OwnerOnly;

/**
 * A dedupe record (Camel's {@link IdempotentRepository}) answered from memory and kept in a file that is only ever
 * appended to: a lookup costs a hash, an add one small write. Each key is kept as 128 bits of its SHA-256 (the same
 * size whatever the key), the most recent {@code remember} of them; the file is rewritten with those once it has grown
 * to twice as many records. A record torn by a crash mid-write (the file's last bytes) was never confirmed to anyone and
 * is dropped when the file is read.
 * <p>
 * With {@code syncEachAdd}, an add returns only once its record is on disk (fsync): for records whose loss after a
 * power cut would repeat something outside the relay (an email). Without it the record is in the operating system's
 * cache, which survives the relay's own crash; after a power cut the deliveries it covered are dispatched again, and
 * the sinks skip what they did.
 */
public final class RecentKeys extends ServiceSupport implements IdempotentRepository {

    private static final Logger LOG = LoggerFactory.getLogger(RecentKeys.class);
    private static final byte ADDED = 'A';
    private static final byte REMOVED = 'R';
    private static final int RECORD_BYTES = 17;

    /** 128 bits of a key's SHA-256. */
    private record Key(long high, long low) {
    }

    /** The steps of a compaction after its rename, which a disk can fail; tests make them fail here. */
    interface AfterRename {
        /** Opens the file named {@code file} for appends. */
        FileChannel open(Path file) throws IOException;

        /** fsyncs {@code directory}, so that a rename in it survives a power cut. */
        void sync(Path directory) throws IOException;
    }

    static final AfterRename DISK = new AfterRename() {
        @Override
        public FileChannel open(Path file) throws IOException {
            return FileChannel.open(file, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
        }

        @Override
        public void sync(Path directory) throws IOException {
            Fsync.directory(directory);
        }
    };

    private final Path file;
    private final int remember;
    private final boolean syncEachAdd;
    private final LinkedHashSet<Key> keys = new LinkedHashSet<>();
    private final ByteBuffer record = ByteBuffer.allocate(RECORD_BYTES);
    private FileChannel channel;
    private long records;
    /** The number of records at which the file is next rewritten with the remembered keys only. */
    private long rewriteAt;
    /** A compaction's rename whose directory is not fsync'd yet: a power cut could still bring the old file back. */
    private boolean renameUnsynced;
    /** What a compaction does after its rename: the disk's own steps, except in tests. */
    AfterRename afterRename = DISK;

    public RecentKeys(Path file, int remember, boolean syncEachAdd) {
        if (remember < 1) {
            throw new IllegalArgumentException("must remember at least one key, not " + remember);
        }
        this.file = file;
        this.remember = remember;
        this.syncEachAdd = syncEachAdd;
        this.rewriteAt = 2L * remember;
    }

    @Override
    protected synchronized void doStart() throws IOException {
        OwnerOnly.directory(file.getParent());
        if (Files.exists(file)) {
            read();
        }
        channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
        OwnerOnly.restrict(file);
    }

    @Override
    protected synchronized void doStop() throws IOException {
        if (channel != null) {
            channel.close();
            channel = null;
        }
    }

    @Override
    public synchronized boolean add(String key) {
        Key hashed = hash(key);
        if (keys.contains(hashed)) {
            return false;
        }
        // Remembered first, so that a rewrite of the file that this record triggers includes it.
        keys.add(hashed);
        forgetOldest();
        try {
            append(ADDED, hashed);
        } catch (RuntimeException notRecorded) {
            keys.remove(hashed);
            throw notRecorded;
        }
        return true;
    }

    @Override
    public synchronized boolean contains(String key) {
        return keys.contains(hash(key));
    }

    @Override
    public synchronized boolean remove(String key) {
        Key hashed = hash(key);
        if (!keys.contains(hashed)) {
            return false;
        }
        keys.remove(hashed);
        append(REMOVED, hashed);
        return true;
    }

    @Override
    public boolean confirm(String key) {
        return true;
    }

    @Override
    public synchronized void clear() {
        keys.clear();
        try {
            channel().truncate(0);
            records = 0;
            rewriteAt = 2L * remember;
        } catch (IOException e) {
            throw new IllegalStateException("Cannot clear " + file + ": " + e.getMessage(), e);
        }
    }

    /** How many keys are remembered now. */
    public synchronized int size() {
        return keys.size();
    }

    private void append(byte operation, Key key) {
        record.clear();
        record.put(operation).putLong(key.high()).putLong(key.low()).flip();
        try {
            FileChannel out = channel();
            while (record.hasRemaining()) {
                out.write(record);
            }
            if (syncEachAdd && operation == ADDED) {
                out.force(false);
                if (renameUnsynced) { // else the record is on disk in a file whose name may not be
                    afterRename.sync(file.getParent());
                    renameUnsynced = false;
                }
            }
            records++;
        } catch (IOException e) {
            // Not remembered: the caller's step fails, and the delivery is retried (or kept) as for any failing sink.
            throw new IllegalStateException("Cannot record in " + file + ": " + e.getMessage(), e);
        }
        if (records >= rewriteAt) {
            try {
                rewrite();
            } catch (IOException e) {
                // The record is written: only the file stays longer. Tried again after as many records once more.
                LOG.warn("Cannot compact {} (it keeps growing meanwhile): {}", file, e.toString());
                rewriteAt = records + remember;
            }
        }
    }

    /**
     * The file, open for appends: opened again if a compaction could not reopen it after its rename. If it cannot be,
     * the caller's record fails, rather than going to the file the rename unlinked, where nothing survives a restart.
     */
    private FileChannel channel() throws IOException {
        if (channel == null) {
            channel = afterRename.open(file);
        }
        return channel;
    }

    private void forgetOldest() {
        Iterator<Key> oldest = keys.iterator();
        while (keys.size() > remember) {
            oldest.next();
            oldest.remove();
        }
    }

    /** The remembered keys only, written beside the file, fsync'd, then renamed over it. */
    private void rewrite() throws IOException {
        Path fresh = file.resolveSibling("." + file.getFileName() + ".rewriting");
        ByteBuffer all = ByteBuffer.allocate(keys.size() * RECORD_BYTES);
        for (Key key : keys) {
            all.put(ADDED).putLong(key.high()).putLong(key.low());
        }
        all.flip();
        try (FileChannel out = FileChannel.open(fresh, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            while (all.hasRemaining()) {
                out.write(all);
            }
            out.force(true);
        }
        OwnerOnly.restrict(fresh);
        // Renamed over the file while it is still open for appends, so that a failed rename leaves it usable.
        Files.move(fresh, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        // From here the name holds the fresh file, and the open channel writes to the old one, unlinked: whatever fails
        // next, no record may go there. The next record opens the file if this could not, and the next fsync'd one
        // syncs the directory too.
        FileChannel unlinked = channel;
        channel = null;
        renameUnsynced = true;
        records = keys.size();
        rewriteAt = 2L * remember;
        try {
            unlinked.close();
            channel = afterRename.open(file);
            afterRename.sync(file.getParent());
            renameUnsynced = false;
        } catch (IOException e) {
            LOG.warn("Compacted {}, but then: {} (the next record tries again)", file, e.toString());
        }
    }

    private void read() throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        int whole = bytes.length / RECORD_BYTES * RECORD_BYTES;
        ByteBuffer in = ByteBuffer.wrap(bytes, 0, whole);
        while (in.hasRemaining()) {
            byte operation = in.get();
            Key key = new Key(in.getLong(), in.getLong());
            if (operation == ADDED) {
                keys.remove(key); // re-added: now among the most recent
                keys.add(key);
            } else if (operation == REMOVED) {
                keys.remove(key);
            } else {
                throw new IOException(file + " is not a dedupe record file (byte " + (in.position() - RECORD_BYTES) + ")");
            }
            records++;
        }
        forgetOldest();
        if (whole != bytes.length) {
            try (FileChannel torn = FileChannel.open(file, StandardOpenOption.WRITE)) {
                torn.truncate(whole); // the record a crash cut short
            }
        }
    }

    private static Key hash(String key) {
        try {
            ByteBuffer digest = ByteBuffer.wrap(MessageDigest.getInstance("SHA-256")
                    .digest(key.getBytes(StandardCharsets.UTF_8)));
            return new Key(digest.getLong(), digest.getLong());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
