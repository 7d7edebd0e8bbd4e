package titorelay.inbox;

import java.nio.file.Path;
import java.util.function.Predicate;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;
import org.apache.camel.Processor;
import org.apache.camel.health.HealthCheckRegistry;
import org.apache.camel.spi.IdempotentRepository;
import org.apache.camel.spi.Registry;
import org.apache.camel.support.LifecycleStrategySupport;
import titorelay.dedupe.DedupeStore;
import titorelay.settings.Settings;
import titorelay.storage.DataDirectory;
import titorelay.storage.SyncWrittenFolder;

/**
 * The inbox and dispatch: the journal that storeInInbox fsyncs into (group commit), the envelope steps, the record
 * of dispatched deliveries that drops repeats, dead letters, and the unrouted-name log of routes/routing.yaml.
 */
public final class InboxWiring implements CamelConfiguration {

    @Override
    public void configure(CamelContext camelContext) throws Exception {
        Settings settings = Settings.of(camelContext);
        Path dataDir = DataDirectory.of(camelContext);
        Registry registry = camelContext.getRegistry();

        registry.bind("sealInboxEnvelope", new SealInboxEnvelope());
        registry.bind("openInboxEnvelope", new OpenInboxEnvelope());
        registry.bind("takeTitosBytes", new TakeTitosBytes());
        // A lost record only means a delivery dispatched again (the sinks skip what they did): no fsync per delivery.
        IdempotentRepository dispatchedDeliveries = DedupeStore.repository(camelContext, "dispatch", false);
        registry.bind("dispatchedDeliveries", dispatchedDeliveries);
        Predicate<String> waitingInInbox;
        if (KafkaInboxSettings.chosen(settings)) { // relay.inbox.kind=kafka: the inbox is a topic several relays share
            // No journal: webhooks and replays (the replay route's storeInInbox) go to the topic, dispatch reads it.
            KafkaInbox.Wired kafka = KafkaInbox.wire(camelContext, settings);
            registry.bind("storeInInbox", kafka.storeInInbox());
            waitingInInbox = kafka.notDone();
        } else {
            InboxJournal journal = new InboxJournal(dataDir.resolve("inbox-journal"), dataDir.resolve("dead-letters"),
                    settings.longInteger("relay.inbox.journal-segment-bytes"),
                    settings.integer("relay.dispatch.max-in-flight"),
                    settings.longInteger("relay.dispatch.redelivery-delay-ms"), dispatchedDeliveries);
            journal.setCommitTimeoutMs(settings.longInteger("relay.inbox.commit-timeout-ms"));
            camelContext.addService(journal);
            registry.bind("inboxJournal", journal);
            registry.bind("storeInInbox", journal.storeInInbox());
            HealthCheckRegistry.get(camelContext).register(new InboxJournalHealth(journal));
            // routes/dispatch.yaml reads the journal through this endpoint: inbox-journal:dispatch
            registry.bind("inbox-journal", new InboxJournalComponent(journal));
            countedOnceStarted(camelContext, journal);
            waitingInInbox = journal::isWaiting;
        }
        DeliveriesInFlight inFlight = new DeliveriesInFlight();
        registry.bind("claimInFlight", inFlight.claim());
        registry.bind("forgetInFlight", inFlight.forget());

        registry.bind("recordDeadLetter", new RecordDeadLetter());
        registry.bind("syncWrittenFolder", new SyncWrittenFolder());
        // Each failed try is also noted in the delivery log (titorelay.deliverylog binds deliveryLogFailedTry).
        registry.bind("noteRedelivery", RecordDeadLetter.noteRedelivery(exchange -> {
            Processor logFailedTry = registry.lookupByNameAndType("deliveryLogFailedTry", Processor.class);
            if (logFailedTry != null) {
                logFailedTry.process(exchange);
            }
        }));
        DeadLetterHealth deadLetterHealth = new DeadLetterHealth(dataDir.resolve("dead-letters"), waitingInInbox);
        HealthCheckRegistry.get(camelContext).register(deadLetterHealth);
        registry.bind("deadLetterNotKept", deadLetterHealth.notKept());

        registry.bind("summarizeDelivery", new SummarizeDelivery());
        registry.bind("logUnroutedWebhook", new UnroutedWebhookLog(settings.integer("relay.unrouted.logged-names"),
                settings.longInteger("relay.unrouted.summary-interval-ms")));
    }

    /** The journal's counters, in the metrics once Camel's meter registry exists (it is made at start). */
    private static void countedOnceStarted(CamelContext camelContext, InboxJournal journal) {
        camelContext.addLifecycleStrategy(new LifecycleStrategySupport() {
            @Override
            public void onContextStarted(CamelContext context) {
                MeterRegistry meters = camelContext.getRegistry().findSingleByType(MeterRegistry.class);
                if (meters == null) {
                    return;
                }
                FunctionCounter.builder("tito.inbox.journal.commits", journal, InboxJournal::commits)
                        .description("fsyncs of the inbox journal (each covers every webhook waiting then)")
                        .register(meters);
                FunctionCounter.builder("tito.inbox.journal.records", journal, InboxJournal::committed)
                        .description("webhooks committed to the inbox journal").register(meters);
                FunctionCounter.builder("tito.inbox.journal.damaged.records", journal, InboxJournal::damagedRecords)
                        .description("acknowledged webhooks lost to damage in the inbox journal (estimated)").register(meters);
                FunctionCounter.builder("tito.inbox.journal.damaged.bytes", journal, InboxJournal::damagedBytes)
                        .description("inbox journal bytes passed over as damaged").register(meters);
                Gauge.builder("tito.inbox.backlog", journal, InboxJournal::backlog)
                        .description("webhooks acknowledged since start whose dispatch has not ended").register(meters);
                Gauge.builder("tito.inbox.journal.uncommitted", journal, InboxJournal::uncommitted)
                        .description("webhooks waiting for their commit to the inbox journal now").register(meters);
                Gauge.builder("tito.inbox.journal.segments", journal, InboxJournal::segments)
                        .description("inbox journal segments on disk").register(meters);
                Gauge.builder("tito.dispatch.in.flight", journal, InboxJournal::inFlight)
                        .description("deliveries being dispatched now (a sink may hold one until its batch is written)")
                        .register(meters);
            }
        });
    }
}
