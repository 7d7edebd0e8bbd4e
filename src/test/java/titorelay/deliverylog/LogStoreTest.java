package titorelay.deliverylog;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Lines received in the same millisecond each keep a key of their own, and are all found again after a reopening. */
class LogStoreTest {

    private static final long RECEIVED = 1_764_304_991_280L;

    private static StoredLine line(String id) {
        return new StoredLine(id, "key-" + id, LogStore.seqOf(RECEIVED), "ticket.updated", "REF-" + id, "Name " + id,
                id + "@example.com", "slug-" + id, Outcome.DONE, 1, RECEIVED, null, null, null, null, "");
    }

    @Test
    void linesOfOneMillisecondAreAllKeptAndFoundByTheirIds(@TempDir Path dir) throws Exception {
        List<String> ids = List.of("first", "second", "third");
        try (LogStore store = LogStore.open(dir)) {
            for (String id : ids) {
                store.add(line(id), null);
            }
        }
        try (LogStore reopened = LogStore.open(dir)) {
            assertEquals(3, reopened.size());
            List<String> newestFirst = new ArrayList<>();
            reopened.newestFirst().forEach(stored -> newestFirst.add(stored.id()));
            assertEquals(List.of("third", "second", "first"), newestFirst, "arrival order within the millisecond");
            for (int i = 0; i < ids.size(); i++) {
                StoredLine found = reopened.line(ids.get(i));
                assertEquals("REF-" + ids.get(i), found.reference());
                assertEquals(LogStore.seqOf(RECEIVED) + i, found.seq(), "the next free key of the millisecond");
                assertEquals(RECEIVED, LogStore.receivedMillisOf(found.seq()));
            }
        }
    }
}
