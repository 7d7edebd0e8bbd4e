package titorelay.inbox;

import java.time.Duration;
import java.util.HashMap;

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

    private KafkaInbox() {
    }

    /** Sets up the client, the topic's consumer route and dispatch's endpoint; returns the ingress step. */
    static AsyncProcessor wire(CamelContext camelContext, Settings settings) throws Exception {
        KafkaInboxSettings kafka = KafkaInboxSettings.of(camelContext, System.getenv());
        // The brokers and the security settings, for the producer and the consumer alike; set here, never in an
        // endpoint URI, which Camel may show.
        KafkaComponent component = camelContext.getComponent("kafka", KafkaComponent.class);
        component.getConfiguration().setBrokers(kafka.brokers());
        component.getConfiguration().setAdditionalProperties(new HashMap<>(kafka.security()));

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

        HealthCheckRegistry.get(camelContext).register(new KafkaInboxHealth(kafka));

        String spreadsheet = settings.text("sheets.spreadsheet-id").strip();
        SendToKafkaInbox toKafka = new SendToKafkaInbox(camelContext, kafka, spreadsheet.isEmpty() ? "csv" : spreadsheet);
        camelContext.addService(toKafka);
        return toKafka;
    }
}
