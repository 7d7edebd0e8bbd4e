package titorelay.dedupe;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The file dedupe store: answers from memory, survives a restart and a torn write, stays bounded. */
class RecentKeysTest {

    /** One record on disk: an operation byte and 128 bits of the key's hash. */
    private static final int RECORD_BYTES = 17;

    @TempDir
    Path dir;

    private RecentKeys open(int remember) throws Exception {
        return open(remember, "dispatch.keys");
    }

    private RecentKeys open(int remember, String name) throws Exception {
        RecentKeys keys = new RecentKeys(dir.resolve("dedupe").resolve(name), remember, false);
        keys.start();
        return keys;
    }

    @Test
    void aKeyAddedOnceIsRememberedAcrossARestart() throws Exception {
        RecentKeys keys = open(10);
        assertTrue(keys.add("delivery-1"));
        assertFalse(keys.add("delivery-1"), "a second add of the same key is a repeat");
        assertTrue(keys.add("delivery-2"));
        assertTrue(keys.remove("delivery-2"));
        keys.stop();

        RecentKeys again = open(10);
        assertTrue(again.contains("delivery-1"));
        assertFalse(again.contains("delivery-2"), "removed before the restart");
        assertFalse(again.contains("delivery-3"));
        assertEquals(3 * RECORD_BYTES, Files.size(dir.resolve("dedupe/dispatch.keys")), "two adds and a remove");
        again.stop();
    }

    @Test
    void aRecordTornByACrashIsDroppedAndTheOthersKept() throws Exception {
        RecentKeys keys = open(10);
        keys.add("whole");
        keys.stop();
        // A crash in the middle of the next record's write: only its first bytes reached the file.
        Files.write(dir.resolve("dedupe/dispatch.keys"), new byte[] {'A', 1, 2, 3, 4}, StandardOpenOption.APPEND);

        RecentKeys again = open(10);
        assertTrue(again.contains("whole"));
        assertEquals(1, again.size());
        assertEquals(RECORD_BYTES, Files.size(dir.resolve("dedupe/dispatch.keys")), "the torn bytes are cut off");
        assertTrue(again.add("next"), "and the next record follows the whole ones");
        again.stop();
        assertTrue(open(10).contains("next"));
    }

    @Test
    void onlyTheLatestKeysAreRememberedAndTheFileStaysBounded() throws Exception {
        int remember = 100;
        RecentKeys keys = open(remember);
        for (int i = 0; i < 1000; i++) {
            keys.add("delivery-" + i);
        }
        assertEquals(remember, keys.size());
        assertTrue(keys.contains("delivery-999"));
        assertTrue(keys.contains("delivery-900"));
        assertFalse(keys.contains("delivery-899"), "the oldest are forgotten");
        long bytes = Files.size(dir.resolve("dedupe/dispatch.keys"));
        assertTrue(bytes < 2L * remember * RECORD_BYTES, "rewritten with the remembered keys: " + bytes + " bytes");
        keys.stop();

        RecentKeys again = open(remember);
        assertEquals(remember, again.size());
        assertTrue(again.contains("delivery-900"));
        assertFalse(again.contains("delivery-899"));
        again.stop();
    }

    @Test
    void aCompactionThatCannotBeWrittenLosesNoRecord() throws Exception {
        RecentKeys keys = open(10);
        // Where the compacted file would be written is taken (as by a full or broken disk): it cannot be made.
        Path blocked = Files.createDirectory(dir.resolve("dedupe/.dispatch.keys.rewriting"));
        Files.writeString(blocked.resolve("in-the-way"), "x");
        for (int i = 0; i < 50; i++) {
            assertTrue(keys.add("delivery-" + i), "every add succeeds while compaction fails");
        }
        assertEquals(50L * RECORD_BYTES, Files.size(dir.resolve("dedupe/dispatch.keys")), "the compaction did fail");
        keys.stop();

        RecentKeys again = open(10);
        assertTrue(again.contains("delivery-49"));
        assertTrue(again.contains("delivery-40"));
        assertFalse(again.contains("delivery-39"));
        again.stop();
    }

    @Test
    void aCompactionWhoseDirectorySyncFailsAfterItsRenameKeepsEveryLaterRecord() throws Exception {
        AtomicInteger syncs = new AtomicInteger();
        AtomicInteger failed = new AtomicInteger();
        RecentKeys keys = new RecentKeys(dir.resolve("dedupe/email.keys"), 10, true);
        keys.afterRename = new RecentKeys.AfterRename() {
            @Override
            public FileChannel open(Path file) throws IOException {
                return RecentKeys.DISK.open(file);
            }

            @Override
            public void sync(Path directory) throws IOException {
                if (failed.compareAndSet(0, 1)) {
                    throw new IOException("injected: the directory cannot be synced");
                }
                syncs.incrementAndGet();
                RecentKeys.DISK.sync(directory);
            }
        };
        keys.start();
        // Remembering 10, the file is compacted once it holds 20 records: at the 20th add.
        addAll(keys, 0, 20);
        assertEquals(1, failed.get(), "the directory sync after the compaction's rename failed");
        assertEquals(10L * RECORD_BYTES, Files.size(dir.resolve("dedupe/email.keys")), "the compacted file was renamed in");
        addAll(keys, 20, 25);
        keys.stop();

        RecentKeys again = new RecentKeys(dir.resolve("dedupe/email.keys"), 10, true);
        again.start();
        for (int i = 15; i < 25; i++) {
            assertTrue(again.contains("delivery-" + i), "delivery-" + i + " survived the restart");
        }
        assertFalse(again.contains("delivery-14"), "only the 10 latest are remembered");
        assertEquals(15L * RECORD_BYTES, Files.size(dir.resolve("dedupe/email.keys")), "10 compacted records and 5 more");
        again.stop();
        assertEquals(1, syncs.get(), "the first fsync'd add after the failure synced the directory: the rename is on disk");
    }

    @Test
    void aCompactionThatCannotReopenItsFileAfterItsRenameFailsTheNextAddUntilItCan() throws Exception {
        AtomicInteger opensFailing = new AtomicInteger(2);
        RecentKeys keys = new RecentKeys(dir.resolve("dedupe/email.keys"), 10, true);
        keys.afterRename = new RecentKeys.AfterRename() {
            @Override
            public FileChannel open(Path file) throws IOException {
                if (opensFailing.getAndDecrement() > 0) {
                    throw new IOException("injected: too many open files");
                }
                return RecentKeys.DISK.open(file);
            }

            @Override
            public void sync(Path directory) throws IOException {
                RecentKeys.DISK.sync(directory);
            }
        };
        keys.start();
        addAll(keys, 0, 20); // the 20th add compacts the file, and its reopening fails
        assertEquals(1, opensFailing.get(), "the file could not be reopened after the compaction's rename");

        IllegalStateException refused = assertThrows(IllegalStateException.class, () -> keys.add("delivery-20"));
        assertTrue(refused.getMessage().contains("email.keys"), refused.getMessage());
        assertFalse(keys.contains("delivery-20"), "an add that failed is not remembered");
        assertTrue(keys.add("delivery-21"), "the file opened again for the next add");
        keys.stop();

        RecentKeys again = open(10, "email.keys");
        assertTrue(again.contains("delivery-21"));
        assertTrue(again.contains("delivery-19"));
        assertFalse(again.contains("delivery-20"));
        assertFalse(again.contains("delivery-10"), "only the 10 latest are remembered");
        again.stop();
    }

    private static void addAll(RecentKeys keys, int from, int to) {
        for (int i = from; i < to; i++) {
            assertTrue(keys.add("delivery-" + i), "delivery-" + i + " is new");
        }
    }

    @Test
    void aFileThatIsNotARecordFileStopsTheStartWithItsName() throws Exception {
        Files.createDirectories(dir.resolve("dedupe"));
        Files.writeString(dir.resolve("dedupe/dispatch.keys"), "this is not a dedupe record file, no no no");
        RecentKeys keys = new RecentKeys(dir.resolve("dedupe/dispatch.keys"), 10, false);
        Exception refused = assertThrows(Exception.class, keys::start);
        assertTrue(String.valueOf(refused.getMessage()).contains("dispatch.keys"), refused.getMessage());
    }
}
