package titorelay.deliverylog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Lines received in the same millisecond each keep a key of their own, and are all found again after a reopening; a
 * line is found from its inbox name's millisecond, and through the ids map only when it cannot be.
 */
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

    @Test
    void aLineBeyondAThousandInOneMillisecondTakesTheNextFreeKeyAfterIt(@TempDir Path dir) throws Exception {
        long nextMillisecond = LogStore.seqOf(RECEIVED + 1);
        try (LogStore store = LogStore.open(dir)) {
            store.add(received("next-first", RECEIVED + 1), null);
            for (int i = 0; i < 1_000; i++) {
                store.add(line("line-" + i), null);
            }
            store.add(line("one-too-many"), null);
            assertEquals(nextMillisecond - 1, store.line("line-999").seq(), "the last key of the millisecond");
            assertEquals(nextMillisecond + 1, store.line("one-too-many").seq(),
                    "after the line that has the next millisecond's first key");
        }
        try (LogStore reopened = LogStore.open(dir)) {
            assertEquals(1_002, reopened.size());
            assertEquals(nextMillisecond, reopened.line("next-first").seq());
            assertEquals(nextMillisecond + 1, reopened.line("one-too-many").seq());
        }
    }

    @Test
    void eachWebhookNameIsRememberedOnceAcrossAReopening(@TempDir Path dir) throws Exception {
        try (LogStore store = LogStore.open(dir)) {
            store.add(line("first"), null);
            store.add(new StoredLine("checked-in", "key", LogStore.seqOf(RECEIVED), "checkin.created", "", "", "", "",
                    Outcome.DONE, 1, RECEIVED, null, null, null, null, ""), null);
        }
        try (LogStore reopened = LogStore.open(dir)) {
            reopened.add(line("second"), null);
            reopened.add(new StoredLine("voided", "key", LogStore.seqOf(RECEIVED), "ticket.voided", "", "", "", "",
                    Outcome.DONE, 1, RECEIVED, null, null, null, null, ""), null);
            assertEquals(List.of("checkin.created", "ticket.updated", "ticket.voided"), reopened.webhookNames());
        }
    }

    private static StoredLine received(String id, long receivedMillis) {
        return new StoredLine(id, "key-" + id, LogStore.seqOf(receivedMillis), "ticket.updated", "REF-" + id, "",
                "", "", Outcome.DONE, 1, receivedMillis, null, null, null, null, "");
    }

    @Test
    void aLineIsFoundFromItsNameAndTheIdsMapHoldsOnlyTheOthers(@TempDir Path dir) throws Exception {
        String inboxName = "20251128T044311.280Z-000000007-ticket.updated.webhook"; // RECEIVED, as the inbox names it
        String clockSetBack = "20251128T044311.999Z-000000008-ticket.updated.webhook"; // named later than received
        String otherShape = "replayed-by-hand.webhook";
        try (LogStore store = LogStore.open(dir)) {
            store.add(received(inboxName, RECEIVED), null);
            store.add(received(clockSetBack, RECEIVED), null);
            store.add(received(otherShape, RECEIVED), null);
            assertEquals(2L, store.sizes().get("ids"), "only the two not found from their name");
        }
        try (LogStore reopened = LogStore.open(dir)) {
            for (String id : List.of(inboxName, clockSetBack, otherShape)) {
                assertEquals("REF-" + id, reopened.line(id).reference(), id);
            }
            assertNull(reopened.line("20251128T044311.280Z-000000009-ticket.updated.webhook"), "no such line");
        }
    }
}
