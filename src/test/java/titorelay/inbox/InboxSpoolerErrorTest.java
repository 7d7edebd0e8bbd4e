package titorelay.inbox;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

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
 * An {@link Error} in the inbox journal's spooler thread (here from the dedupe store it asks while restoring an
 * earlier run's deliveries) does not end the thread silently: health is DOWN with the reason, and the spooler
 * starts over and restores the delivery once the store answers again.
 */
class InboxSpoolerErrorTest {

    private static final String FILE = "20261126T185500.123Z-000000001-ticket.updated.webhook";

    @TempDir
    Path data;

    @Test
    void anErrorInTheSpoolerTurnsHealthDownAndTheSpoolerStartsOver() throws Exception {
        byte[] envelope = new InboxEnvelope(Map.of(InboxEnvelope.WEBHOOK_NAME, "ticket.updated",
                InboxEnvelope.RECEIVED_AT, "2026-11-26T18:55:00.123Z"),
                "{\"slug\":\"ti_1\"}".getBytes(StandardCharsets.UTF_8)).toBytes();
        InboxJournal first = journal(new MemoryIdempotentRepository());
        first.start();
        first.store(FILE, envelope);
        await("the delivery's file", Duration.ofSeconds(10), () -> Files.exists(data.resolve("inbox").resolve(FILE)));
        first.stop();
        Files.delete(data.resolve("inbox").resolve(FILE)); // lost, as a power cut can lose an unsynced file

        AtomicInteger failuresLeft = new AtomicInteger(3);
        MemoryIdempotentRepository failingStore = new MemoryIdempotentRepository() {
            @Override
            public boolean contains(String key) {
                if (failuresLeft.getAndDecrement() > 0) {
                    throw new LinkageError("injected into the spooler");
                }
                return super.contains(key);
            }
        };
        InboxJournal second = journal(failingStore);
        InboxJournalHealth health = new InboxJournalHealth(second);
        try (DefaultCamelContext camel = new DefaultCamelContext()) {
            health.setCamelContext(camel);
            second.start();
            try {
                await("health to say what failed", Duration.ofSeconds(10),
                        () -> health.call().getState() == HealthCheck.State.DOWN);
                assertTrue(health.call().getMessage().orElse("").contains("injected into the spooler"));

                await("the spooler to start over and restore the file", Duration.ofSeconds(10),
                        () -> Files.exists(data.resolve("inbox").resolve(FILE)));
                assertArrayEquals(envelope, Files.readAllBytes(data.resolve("inbox").resolve(FILE)));
                assertTrue(failuresLeft.get() < 0, "every injected failure happened");
                await("health to be UP again", Duration.ofSeconds(10),
                        () -> health.call().getState() == HealthCheck.State.UP);
                assertEquals(1, second.restored());
                assertNull(second.spoolProblem());
            } finally {
                second.stop();
            }
        }
    }

    private InboxJournal journal(MemoryIdempotentRepository deliveryLog) {
        return new InboxJournal(data.resolve("inbox-journal"), data.resolve("inbox"), data.resolve("dead-letters"),
                8 << 20, 1000, deliveryLog);
    }
}
