package titorelay.inbox;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import titorelay.support.RawHttp;
import titorelay.support.Samples;
import titorelay.support.TestRelay;
import titorelay.threads.NotedExits;
import titorelay.threads.ThreadFailures;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static titorelay.support.TestRelay.await;

/**
 * An {@link Error} in a commit of the inbox journal, through the real ingress: one the JVM cannot recover from (out of
 * memory) ends the process for its supervisor to restart it; any other fails the commit's requests at once, answered
 * 503 as for a storage failure, and the committer goes on with the next commit. The commit time-out is longer than a
 * request waits for its answer here, so a 503 can only come from the failed commit, never from the watchdog.
 */
class JournalCommitterErrorTest {

    private static final Duration PATIENCE = Duration.ofSeconds(20);
    private static final byte[] TICKET = Samples.bytes("ticket-basic.json");
    private static final Map<String, String> SETTINGS = Map.of("relay.dispatch.auto-start", "false",
            "relay.inbox.commit-timeout-ms", "600000");

    @TempDir
    Path data;

    @Test
    void anErrorInACommitAnswers503ToItsRequestAtOnceAndTheNextCommitSucceeds() throws Exception {
        try (TestRelay relay = TestRelay.start(data, SETTINGS); NotedExits exits = NotedExits.start()) {
            InboxJournal journal = journal(relay);
            AtomicInteger injected = failNextCommitWith(journal, new LinkageError("injected into a commit"));

            long sent = System.nanoTime();
            RawHttp.Answer refused = relay.send("ticket.updated", TICKET);
            long waitedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - sent);

            assertEquals(1, injected.get(), "the commit failed");
            assertEquals(503, refused.status(), refused.raw());
            assertEquals("30", refused.header("Retry-After"));
            assertTrue(waitedMs < 60_000, "answered by the failed commit, not the watchdog: " + waitedMs + " ms");
            assertEquals(0, journal.uncommitted(), "no request left waiting");
            assertEquals(List.of(), exits.statuses(), "not an error the process ends for");

            assertEquals(202, relay.send("ticket.updated", TICKET).status(), "the sentinel: the committer went on");
            await("the sentinel in the inbox", PATIENCE, () -> relay.inbox().size() == 1);
            assertEquals(1, journal.committed(), "the request answered 503 was never written: only the sentinel");
        }
    }

    @Test
    void anOutOfMemoryErrorInACommitEndsTheProcess() throws Exception {
        try (TestRelay relay = TestRelay.start(data, SETTINGS); NotedExits exits = NotedExits.start()) {
            AtomicInteger injected = failNextCommitWith(journal(relay), new OutOfMemoryError("injected into a commit"));

            // Here the process goes on (its end is only noted): the request is still answered.
            RawHttp.Answer refused = relay.send("ticket.updated", TICKET);

            assertEquals(1, injected.get(), "the commit failed");
            assertEquals(List.of(ThreadFailures.EXIT_STATUS), exits.statuses(), "the process ends for its supervisor");
            assertEquals(503, refused.status(), refused.raw());
        }
    }

    /** The next commit fails with {@code error} before it writes; the count says whether it did. */
    private static AtomicInteger failNextCommitWith(InboxJournal journal, Error error) {
        AtomicInteger injected = new AtomicInteger();
        journal.beforeWrite = () -> {
            if (injected.compareAndSet(0, 1)) {
                throw error;
            }
        };
        return injected;
    }

    private static InboxJournal journal(TestRelay relay) {
        return relay.camelContext().getRegistry().lookupByNameAndType("inboxJournal", InboxJournal.class);
    }
}
