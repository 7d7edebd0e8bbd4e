package titorelay.management;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.apache.camel.spi.EventNotifier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import titorelay.support.Samples;
import titorelay.support.TestRelay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Camel makes an event object for every exchange and every step it sends while any event notifier wants them. The
 * relay's own start and stop steps are lifecycle strategies, and camel-micrometer's route notifier is told it need
 * not see exchanges, so Camel makes none; what those steps register at the start is still there.
 */
class ExchangeEventsTest {

    @TempDir
    Path work;

    @Test
    void camelMakesNoEventPerExchangeAndTheContextsEventsStillArrive() throws Exception {
        try (TestRelay relay = TestRelay.start(work)) {
            List<String> wantingExchangeEvents = relay.camelContext().getManagementStrategy().getEventNotifiers()
                    .stream().filter(notifier -> !notifier.isIgnoreExchangeEvents())
                    .map(EventNotifier::toString).toList();
            assertEquals(List.of(), wantingExchangeEvents, "notifiers that want an event for every exchange");
            assertFalse(relay.camelContext().getCamelContextExtension().isEventNotificationApplicable(),
                    "Camel makes events for exchanges");

            assertEquals(202, relay.send("ticket.updated", Samples.bytes("ticket-basic.json")).status());
            TestRelay.await("the delivery dispatched", Duration.ofSeconds(30), () -> relay.inbox().isEmpty());
            // Registered once the context has started: the journal's counters and the delivery log's.
            String metrics = relay.metrics();
            assertTrue(metrics.contains("tito_inbox_journal_commits_total"), "the journal's counters are registered");
            assertTrue(metrics.contains("tito_delivery_log_dropped_total"), "the delivery log's counter is registered");
            // (The Tito API's counters, registered the same way when a token is set: TitoApiBackfillTest.)
            // camel-micrometer's route events, which it is told to take without the exchanges' events.
            assertTrue(metrics.contains("camel_routes_running"), "the running routes are counted");
        }
    }
}
