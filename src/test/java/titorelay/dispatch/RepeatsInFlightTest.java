package titorelay.dispatch;

import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.camel.AsyncCallback;
import org.apache.camel.Exchange;
import org.apache.camel.builder.AdviceWith;
import org.apache.camel.support.AsyncProcessorSupport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import titorelay.support.DeliveryKeys;
import titorelay.support.TestRelay;
import titorelay.support.Tickets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static titorelay.support.TestRelay.await;

/**
 * Three copies of one delivery through the real routes, the second arriving while the first is still being dispatched
 * or after it was: whatever becomes of the second (dropped as a repeat, or failed into a dead letter), the first stays
 * in flight, or recorded as done, and the third is dropped too, so the delivery reaches its sink once. The first copy is held in the spreadsheet sink as a
 * batch waiting to be written holds it: without holding dispatch's thread, which goes on to the next copies.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RepeatsInFlightTest {

    private static final Duration PATIENCE = Duration.ofSeconds(20);
    private static final String NAME = "ticket.updated";

    /** Delivery keys whose copies the spreadsheet sink holds, and what lets each held copy go on. */
    private final Set<String> holding = ConcurrentHashMap.newKeySet();
    private final List<AsyncCallback> held = new CopyOnWriteArrayList<>();
    /** How many copies of each delivery key reached the spreadsheet sink. */
    private final Map<String, AtomicInteger> arrivals = new ConcurrentHashMap<>();
    /** Delivery keys whose repeats fail in the drop-repeat route, and how many times one did. */
    private final Set<String> dropFails = ConcurrentHashMap.newKeySet();
    private final AtomicInteger dropsFailed = new AtomicInteger();
    private TestRelay relay;

    @BeforeAll
    void startRelay() throws Exception {
        relay = TestRelay.start(Files.createTempDirectory("repeats-in-flight"));
        AdviceWith.adviceWith(relay.camelContext(), "spreadsheet", route -> route.weaveAddFirst()
                .process(new AsyncProcessorSupport() {
                    @Override
                    public boolean process(Exchange exchange, AsyncCallback callback) {
                        String key = key(exchange);
                        arrivals.computeIfAbsent(key, k -> new AtomicInteger()).incrementAndGet();
                        if (holding.contains(key)) {
                            held.add(callback);
                            return false;
                        }
                        callback.done(true);
                        return true;
                    }
                }));
        relay.failAtStart("drop-repeat", exchange -> dropFails.contains(key(exchange)) && dropsFailed.incrementAndGet() > 0,
                "injected: the repeat could not be dropped");
    }

    @AfterAll
    void stopRelay() throws Exception {
        held.forEach(callback -> callback.done(false));
        relay.close();
    }

    @Test
    void aRepeatDroppedWhileItsTwinIsInFlightLeavesTheTwinInFlightSoAThirdCopyIsDroppedToo() throws Exception {
        byte[] body = uniqueTicket("dropped");
        String key = DeliveryKeys.key(NAME, body);
        double processed = processed();
        double duplicates = duplicates();

        sendFirstCopyHeld(body);
        assertEquals(202, relay.send(NAME, body).status());
        await("the second copy dropped as a repeat", PATIENCE, () -> duplicates() == duplicates + 1);

        assertThirdCopyDropped(body, duplicates + 2);
        releaseHeldAndAwaitItDone(key, processed);
    }

    @Test
    void aRepeatThatFailsIntoADeadLetterWhileItsTwinIsInFlightLeavesTheTwinInFlight() throws Exception {
        byte[] body = uniqueTicket("dead-letter");
        String key = DeliveryKeys.key(NAME, body);
        double processed = processed();
        double duplicates = duplicates();

        sendFirstCopyHeld(body);
        sendSecondCopyThatFailsIntoADeadLetter(body);

        assertThirdCopyDropped(body, duplicates + 1);
        releaseHeldAndAwaitItDone(key, processed);
    }

    @Test
    void aRepeatThatFailsIntoADeadLetterAfterItsTwinWasDispatchedLeavesTheTwinRecordedAsDone() throws Exception {
        byte[] body = uniqueTicket("done");
        double processed = processed();
        double duplicates = duplicates();

        assertEquals(202, relay.send(NAME, body).status());
        await("the first copy done", PATIENCE, () -> processed() == processed + 1 && relay.inbox().isEmpty());
        sendSecondCopyThatFailsIntoADeadLetter(body);

        assertThirdCopyDropped(body, duplicates + 1);
        await("nothing left in the inbox", PATIENCE, () -> relay.inbox().isEmpty());
        assertEquals(processed + 1, processed());
    }

    /** The first copy of a delivery, held in the spreadsheet sink (dispatch goes on to the next copies). */
    private void sendFirstCopyHeld(byte[] body) throws Exception {
        String key = DeliveryKeys.key(NAME, body);
        holding.add(key);
        assertEquals(202, relay.send(NAME, body).status());
        await("the first copy held in the spreadsheet sink", PATIENCE, () -> arrivals(key) == 1);
    }

    /** Lets the held first copy go on: it completes, nothing is left in the inbox, and no other copy reached the sink. */
    private void releaseHeldAndAwaitItDone(String key, double processedBefore) throws Exception {
        releaseHeld(key);
        await("the first copy done, and nothing left in the inbox", PATIENCE,
                () -> processed() == processedBefore + 1 && relay.inbox().isEmpty());
        assertEquals(1, arrivals(key));
    }

    /** Sends a copy whose drop as a repeat fails (each retry too), until it is kept as a dead letter. */
    private void sendSecondCopyThatFailsIntoADeadLetter(byte[] body) throws Exception {
        String key = DeliveryKeys.key(NAME, body);
        int deadLetters = relay.deadLetters().size();
        int failedDrops = dropsFailed.get();
        dropFails.add(key);
        try {
            assertEquals(202, relay.send(NAME, body).status());
            await("the second copy kept as a dead letter", PATIENCE, () -> relay.deadLetters().size() == deadLetters + 1);
        } finally {
            dropFails.remove(key);
        }
        assertTrue(dropsFailed.get() > failedDrops, "the second copy's drop failed");
    }

    /** Sends one more copy: it must be dropped as a repeat (the duplicates counter then reads {@code duplicates}). */
    private void assertThirdCopyDropped(byte[] body, double duplicates) throws Exception {
        String key = DeliveryKeys.key(NAME, body);
        assertEquals(202, relay.send(NAME, body).status());
        await("the third copy dropped, or at the sheet", PATIENCE,
                () -> duplicates() == duplicates || arrivals(key) > 1);
        assertEquals(1, arrivals(key), "only the first copy reached the sheet");
        assertEquals(duplicates, duplicates());
    }

    /** Lets the held copies of this key go on: their sheet's batch is written. */
    private void releaseHeld(String key) {
        holding.remove(key);
        for (AsyncCallback callback : held) {
            held.remove(callback);
            callback.done(false);
        }
    }

    private int arrivals(String key) {
        AtomicInteger count = arrivals.get(key);
        return count == null ? 0 : count.get();
    }

    private static String key(Exchange exchange) {
        return exchange.getMessage().getHeader("TitoDeliveryKey", String.class);
    }

    /** A ticket no other test sends, so that only its own copies are repeats of it. */
    private static byte[] uniqueTicket(String tag) {
        return Tickets.ticket("repeat-" + tag + "-" + System.nanoTime(), "complete", "Repeated Winter",
                "2026-11-27T10:00:00Z");
    }

    private double processed() {
        return counter("tito_webhooks_processed_total", "name=\"" + NAME + "\"");
    }

    private double duplicates() {
        return counter("tito_webhooks_duplicates_total");
    }

    private double counter(String metric, String... fragments) {
        try {
            return relay.counter(metric, fragments);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
