package titorelay.inbox;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.HashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

import org.apache.camel.AsyncProcessor;
import org.apache.camel.CamelContext;
import org.apache.camel.component.kafka.KafkaComponent;
import org.apache.camel.health.HealthCheckRegistry;
import titorelay.settings.Settings;

/**
 * relay.inbox.kind=kafka: the inbox is a Kafka topic that several relays share. Ingress sends to it
 * ({@link SendToKafkaInbox}), and dispatch reads it in one consumer group ({@link KafkaInboxRoute}) instead of the
 * journal; the envelope, the dedupe store and the dispatch route are the same.
 */
final class KafkaInbox {

    private static final AtomicInteger RELAYS_STARTED = new AtomicInteger();

    private KafkaInbox() {
    }

    /**
     * @param storeInInbox the ingress step
     * @param notDone      whether a delivery of that name is in a batch of dispatch not done yet
     */
    record Wired(AsyncProcessor storeInInbox, Predicate<String> notDone) {
    }

    /** Sets up the client, the topic's consumer route and dispatch's endpoint. */
    static Wired wire(CamelContext camelContext, Settings settings) throws Exception {
        KafkaInboxSettings kafka = KafkaInboxSettings.of(camelContext, System.getenv());
        // The brokers and the security settings, for the producer and the consumer alike; set here, never in an
        // endpoint URI, which Camel may show.
        KafkaComponent component = camelContext.getComponent("kafka", KafkaComponent.class);
        component.getConfiguration().setBrokers(kafka.brokers());
        component.getConfiguration().setAdditionalProperties(new HashMap<>(kafka.security()));
        // A client id of this relay's own, by which the consumer group's description says which partitions it has.
        String clientId = clientId(settings);
        component.getConfiguration().setClientId(clientId);

        // routes/dispatch.yaml reads {{relay.inbox.uri}}: here the batches of the topic's consumer.
        camelContext.getPropertiesComponent().addOverrideProperty("relay.inbox.uri", KafkaInboxRoute.DISPATCH);
        // A batch's partitions, confirmed as this relay's before a spreadsheet write, are taken as its own for half a
        // session: the group cannot have given them to another relay sooner.
        DispatchKafkaBatch dispatchBatch = new DispatchKafkaBatch(camelContext, KafkaInboxRoute.DISPATCH,
                settings.longInteger("relay.dispatch.redelivery-delay-ms"), Duration.ofMillis(kafka.sessionTimeoutMs() / 2));
        camelContext.addService(dispatchBatch);
        // The spreadsheet reads the sheet again when this relay may have got a partition that another dispatched.
        camelContext.getRegistry().bind(DispatchOwnership.BOUND_AS, DispatchOwnership.class, dispatchBatch);
        KafkaInboxRoute.add(camelContext, kafka, dispatchBatch);

        KafkaInboxMonitor monitor = new KafkaInboxMonitor(camelContext, kafka, clientId,
                atLeast(settings, "relay.kafka.check-interval-ms", 100));
        camelContext.addService(monitor);
        HealthCheckRegistry.get(camelContext).register(new KafkaInboxHealth(monitor));

        String spreadsheet = settings.text("sheets.spreadsheet-id").strip();
        SendToKafkaInbox toKafka = new SendToKafkaInbox(camelContext, kafka, spreadsheet.isEmpty() ? "csv" : spreadsheet,
                atLeast(settings, "relay.kafka.max-block-ms", 0));
        camelContext.addService(toKafka);
        return new Wired(toKafka, dispatchBatch::isNotDone);
    }

    private static int atLeast(Settings settings, String key, int least) {
        int value = settings.integer(key);
        if (value < least) {
            throw new IllegalArgumentException(key + " must be at least " + least + ", not " + value);
        }
        return value;
    }

    /** camel.main.name, the host and the process, and a number for each relay this process started. */
    private static String clientId(Settings settings) {
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            host = "unknown-host";
        }
        return settings.text("camel.main.name", "tito-relay") + "-" + host + "-" + ProcessHandle.current().pid() + "-"
               + RELAYS_STARTED.incrementAndGet();
    }
}
