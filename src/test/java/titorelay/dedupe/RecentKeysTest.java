package titorelay.dedupe;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

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
        RecentKeys keys = new RecentKeys(dir.resolve("dedupe/dispatch.keys"), remember, false);
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
    void aFileThatIsNotARecordFileStopsTheStartWithItsName() throws Exception {
        Files.createDirectories(dir.resolve("dedupe"));
        Files.writeString(dir.resolve("dedupe/dispatch.keys"), "this is not a dedupe record file, no no no");
        RecentKeys keys = new RecentKeys(dir.resolve("dedupe/dispatch.keys"), 10, false);
        Exception refused = assertThrows(Exception.class, keys::start);
        assertTrue(String.valueOf(refused.getMessage()).contains("dispatch.keys"), refused.getMessage());
    }
}
