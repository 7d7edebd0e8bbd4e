package titorelay.inbox;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import titorelay.support.RawHttp;
import titorelay.support.Samples;
import titorelay.support.TestRelay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static titorelay.support.TestRelay.await;

/**
 * What Tito sees of the inbox journal's group commit, through the real ingress: the requests that arrive while a
 * commit is under way all wait for the next one, however many they are (no thread is held per request), and they
 * share its outcome: 202 once it is fsync'd, 503 if it failed or did not finish within the commit time-out. Commits
 * are stalled here by holding the journal's commit lock, as a slow disk would stall them.
 */
class GroupCommitAnswersTest {

    private static final Duration PATIENCE = Duration.ofSeconds(20);
    private static final byte[] TICKET = Samples.bytes("ticket-basic.json");

    @TempDir
    Path data;

    @Test
    void moreRequestsThanWorkerThreadsArrivingDuringACommitShareTheNextFsync() throws Exception {
        // Vert.x has 20 worker threads: a request that held one while it waited let no more than 20 share an fsync.
        int requests = 60;
        try (TestRelay relay = TestRelay.start(data, Map.of("relay.dispatch.auto-start", "false"))) {
            InboxJournal journal = journal(relay);
            long[] commitsBefore = new long[1];
            ExecutorService tito = Executors.newFixedThreadPool(requests);
            try {
                List<Future<RawHttp.Answer>> answers = sendWhileCommitsStall(relay, tito, requests,
                        () -> commitsBefore[0] = journal.commits());
                for (Future<RawHttp.Answer> answer : answers) {
                    assertEquals(202, answer.get(PATIENCE.toSeconds(), TimeUnit.SECONDS).status());
                }
            } finally {
                tito.shutdownNow();
            }
            assertEquals(1, journal.commits() - commitsBefore[0], "all " + requests + " in one fsync");
            await("every one in the inbox", PATIENCE, () -> relay.inbox().size() == requests);
        }
    }

    @Test
    void aCommitThatFailsAnswers503ToEveryRequestItCarriedAndTheNextOneSucceeds() throws Exception {
        int requests = 10;
        // A segment per commit, so that a journal directory that cannot be written fails the next commit.
        try (TestRelay relay = TestRelay.start(data, Map.of("relay.dispatch.auto-start", "false",
                "relay.inbox.journal-segment-bytes", "1"))) {
            Path journalDir = relay.dataDir().resolve("inbox-journal");
            Path movedAway = relay.dataDir().resolve("inbox-journal-moved-away");
            ExecutorService tito = Executors.newFixedThreadPool(requests);
            try {
                List<Future<RawHttp.Answer>> answers = sendWhileCommitsStall(relay, tito, requests, () -> {
                    Files.move(journalDir, movedAway);
                    Files.writeString(journalDir, "not a directory"); // even root cannot write into this
                });
                for (Future<RawHttp.Answer> answer : answers) {
                    RawHttp.Answer refused = answer.get(PATIENCE.toSeconds(), TimeUnit.SECONDS);
                    assertEquals(503, refused.status(), refused.raw());
                    assertEquals("30", refused.header("Retry-After"));
                }
            } finally {
                tito.shutdownNow();
                Files.delete(journalDir);
                Files.move(movedAway, journalDir);
            }
            assertEquals(202, relay.send("ticket.updated", TICKET).status(), "the sentinel, after the failed commit");
            await("the sentinel in the inbox", PATIENCE, () -> relay.inbox().size() == 1);
            assertEquals(List.of(), TestRelay.files(journalDir.resolve("damaged")), "no damage");
            assertEquals(1, relay.inbox().size(), "none of the requests answered 503 is in the inbox");
        }
    }

    @Test
    void aCommitThatHangsPastTheCommitTimeoutIsAnswered503AndLaterRequestsAreServed() throws Exception {
        long commitTimeoutMs = 1000;
        try (TestRelay relay = TestRelay.start(data, Map.of("relay.dispatch.auto-start", "false",
                "relay.inbox.commit-timeout-ms", String.valueOf(commitTimeoutMs)))) {
            InboxJournal journal = journal(relay);
            RawHttp.Answer answer;
            long waitedMs;
            journal.commitLock.lock();
            try {
                long sent = System.nanoTime();
                answer = relay.send("ticket.updated", TICKET);
                waitedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - sent);
                assertEquals(0, journal.uncommitted(), "no request left waiting");
            } finally {
                journal.commitLock.unlock();
            }
            assertEquals(503, answer.status(), answer.raw());
            assertEquals("30", answer.header("Retry-After"));
            assertTrue(waitedMs >= commitTimeoutMs, "answered after the commit time-out, not before: " + waitedMs + " ms");
            assertTrue(waitedMs < 10 * commitTimeoutMs, "answered soon after the commit time-out: " + waitedMs + " ms");

            assertEquals(202, relay.send("ticket.updated", TICKET).status(), "the sentinel, once the disk is back");
            await("the sentinel in the inbox", PATIENCE, () -> relay.inbox().size() == 1);
            assertEquals(1, journal.committed(), "the request answered 503 was never written: only the sentinel");
        }
    }

    private static InboxJournal journal(TestRelay relay) {
        return relay.camelContext().getRegistry().lookupByNameAndType("inboxJournal", InboxJournal.class);
    }

    /**
     * Sends {@code requests} webhooks at once while commits are stalled; once every one waits for its commit, runs
     * {@code meanwhile}, then lets commits go on. Returns their answers to come.
     */
    private static List<Future<RawHttp.Answer>> sendWhileCommitsStall(TestRelay relay, ExecutorService tito,
            int requests, Meanwhile meanwhile) throws Exception {
        InboxJournal journal = journal(relay);
        List<Future<RawHttp.Answer>> answers = new ArrayList<>();
        journal.commitLock.lock();
        try {
            for (int n = 0; n < requests; n++) {
                answers.add(tito.submit(() -> relay.send("ticket.updated", TICKET)));
            }
            await(requests + " requests waiting for their commit", PATIENCE, () -> journal.uncommitted() == requests);
            meanwhile.run();
        } finally {
            journal.commitLock.unlock();
        }
        return answers;
    }

    private interface Meanwhile {
        void run() throws Exception;
    }
}
