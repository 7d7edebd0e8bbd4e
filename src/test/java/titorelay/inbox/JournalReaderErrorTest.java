package titorelay.inbox;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.camel.Consumer;
import org.apache.camel.Exchange;
import org.apache.camel.health.HealthCheck;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.processor.idempotent.MemoryIdempotentRepository;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static titorelay.support.TestRelay.await;

/**
 * An {@link Error} in dispatch's journal reader (here from the dedupe store it asks while skipping what an earlier run
 * did) does not end its thread silently: health is DOWN with the reason, and the reader starts over and hands the
 * delivery to the route once the store answers again, through the {@code inbox-journal:} endpoint.
 */
class JournalReaderErrorTest {

    private static final String FILE = "20261126T185500.123Z-000000001-ticket.updated.webhook";

    @TempDir
    Path data;

    @Test
    void anErrorInTheReaderTurnsHealthDownAndTheReaderStartsOver() throws Exception {
        byte[] envelope = new InboxEnvelope(Map.of(InboxEnvelope.WEBHOOK_NAME, "ticket.updated",
                InboxEnvelope.RECEIVED_AT, "2026-11-26T18:55:00.123Z"),
                "{\"slug\":\"ti_1\"}".getBytes(StandardCharsets.UTF_8)).toBytes();
        InboxJournal first = journal(new MemoryIdempotentRepository());
        first.start();
        first.store(FILE, envelope);
        first.stop(); // not dispatched: the next start reads it as an earlier run's delivery

        AtomicInteger failuresLeft = new AtomicInteger(3);
        MemoryIdempotentRepository failingStore = new MemoryIdempotentRepository() {
            @Override
            public boolean contains(String key) {
                if (failuresLeft.getAndDecrement() > 0) {
                    throw new LinkageError("injected into the reader");
                }
                return super.contains(key);
            }
        };
        InboxJournal second = journal(failingStore);
        InboxJournalHealth health = new InboxJournalHealth(second);
        List<Exchange> dispatched = new CopyOnWriteArrayList<>();
        try (DefaultCamelContext camel = new DefaultCamelContext()) {
            health.setCamelContext(camel);
            camel.addService(second);
            camel.getRegistry().bind("inbox-journal", new InboxJournalComponent(second));
            camel.start();
            Consumer consumer = camel.getEndpoint("inbox-journal:dispatch").createConsumer(dispatched::add);
            consumer.start();
            // The reader tries again after 100, 200 and 400 ms: health is DOWN meanwhile, saying why.
            await("health DOWN, saying what failed", Duration.ofSeconds(10), () -> {
                HealthCheck.Result result = health.call();
                return result.getState() == HealthCheck.State.DOWN
                       && result.getMessage().orElse("").contains("injected into the reader");
            });
            await("the reader to start over and dispatch the delivery", Duration.ofSeconds(10), () -> !dispatched.isEmpty());
            assertTrue(failuresLeft.get() < 0, "every injected failure happened");
            assertEquals(1, dispatched.size());
            assertArrayEquals(envelope, dispatched.get(0).getMessage().getBody(byte[].class));
            assertEquals(FILE, dispatched.get(0).getMessage().getHeader(Exchange.FILE_NAME));
            await("the delivery done", Duration.ofSeconds(10), second::caughtUp);
            assertEquals(HealthCheck.State.UP, health.call().getState());
            assertNull(second.dispatchProblem());
            consumer.stop();
        }
    }

    private InboxJournal journal(MemoryIdempotentRepository dispatchedDeliveries) {
        return new InboxJournal(data.resolve("inbox-journal"), data.resolve("dead-letters"), 8 << 20, 1000, 100,
                dispatchedDeliveries);
    }
}
