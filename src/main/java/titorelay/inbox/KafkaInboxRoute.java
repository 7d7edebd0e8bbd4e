package titorelay.inbox;

import org.apache.camel.CamelContext;
import org.apache.camel.builder.RouteBuilder;

/**
 * With relay.inbox.kind=kafka, what dispatch reads instead of the journal: the inbox topic, in one consumer group that
 * every relay joins, so that each partition is dispatched by one relay at a time and a stopped or killed relay's
 * partitions go to another. camel-kafka polls it in batches, with offsets committed by {@link DispatchKafkaBatch}
 * only once each of a batch's deliveries went through routes/dispatch.yaml (which here reads {@link #DISPATCH}).
 * A new group starts at the topic's beginning: nothing acknowledged is passed over.
 */
final class KafkaInboxRoute {

    /** What routes/dispatch.yaml consumes with relay.inbox.kind=kafka (relay.inbox.uri). */
    static final String DISPATCH = "direct:kafka-inbox";

    private KafkaInboxRoute() {
    }

    /** Added here rather than as a RouteBuilder class, which Camel Main would find and add in journal mode too. */
    static void add(CamelContext camelContext, KafkaInboxSettings settings, DispatchKafkaBatch dispatchBatch)
            throws Exception {
        RouteBuilder.addRoutes(camelContext, routes -> routes.from("kafka:" + settings.topic()
             + "?groupId=" + settings.groupId()
             + "&autoOffsetReset=earliest"
             + "&valueDeserializer=org.apache.kafka.common.serialization.ByteArrayDeserializer"
             // A batch per poll, its offsets committed by dispatchBatch alone, once its deliveries are done.
             + "&batching=true&maxPollRecords=" + settings.maxBatch()
             // Room in one poll for thousands of one partition's (one spreadsheet's) webhooks: Kafka's default, 1 MiB
             // a partition, is about 500. Bounded: what a poll holds is on the heap (32 MiB a poll ran out of it).
             + "&maxPartitionFetchBytes=" + 8 * 1024 * 1024 + "&fetchMaxBytes=" + 16 * 1024 * 1024
             // A batch goes as soon as the records polled within 100 ms are there, full or not.
             + "&batchingIntervalMs=100&pollTimeoutMs=100"
             + "&allowManualCommit=true&autoCommitEnable=false"
             // A killed relay's partitions go to another after this long without its heartbeats.
             + "&sessionTimeoutMs=" + settings.sessionTimeoutMs()
             // Heartbeats a third of that apart, as Kafka advises (its default, 3 s, would miss a session shorter than 3 s).
             + "&heartbeatIntervalMs=" + Math.max(1, settings.sessionTimeoutMs() / 3))
                .routeId("kafka-inbox")
                .autoStartup("{{relay.dispatch.auto-start}}")
                .process(dispatchBatch));
    }
}
