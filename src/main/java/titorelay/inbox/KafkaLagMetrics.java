package titorelay.inbox;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.camel.CamelContext;

/**
 * The monitor's looks at the Kafka cluster as metrics on Camel's meter registry (/observe/metrics):
 * tito_kafka_consumer_lag{partition} (the consumer group's records not yet dispatched, the same on every relay: take
 * the max per partition across relays, not the sum), tito_kafka_partition_owned{partition} (1 where this relay
 * dispatches the partition) and tito_kafka_brokers_reachable (1 or 0). A partition's gauges appear with the first look
 * that sees it; NaN while the cluster cannot be asked.
 */
final class KafkaLagMetrics {

    private final CamelContext camelContext;
    private final KafkaInboxMonitor monitor;
    private final Set<Integer> partitions = ConcurrentHashMap.newKeySet();
    private MeterRegistry meters;

    KafkaLagMetrics(CamelContext camelContext, KafkaInboxMonitor monitor) {
        this.camelContext = camelContext;
        this.monitor = monitor;
    }

    /** After each look, from the monitor's thread. */
    void update(KafkaInboxCheck check) {
        if (meters == null) {
            // Camel makes its meter registry as it starts, after the monitor is made.
            meters = camelContext.getRegistry().findSingleByType(MeterRegistry.class);
            if (meters == null) {
                return;
            }
            Gauge.builder("tito.kafka.brokers.reachable", monitor, m -> m.last() != null && m.last().isReached() ? 1 : 0)
                    .description("1 while the Kafka brokers answer the relay, else 0").register(meters);
        }
        for (Integer partition : check.lag().keySet()) {
            if (partitions.add(partition)) {
                String tag = String.valueOf(partition);
                Gauge.builder("tito.kafka.consumer.lag", monitor, m -> lastOr(m).lagOf(partition))
                        .tag("partition", tag)
                        .description("records of the inbox topic's partition not yet dispatched by the consumer group")
                        .register(meters);
                Gauge.builder("tito.kafka.partition.owned", monitor,
                                m -> !lastOr(m).isReached() ? Double.NaN : lastOr(m).owned().contains(partition) ? 1 : 0)
                        .tag("partition", tag)
                        .description("1 where this relay dispatches the inbox topic's partition, else 0")
                        .register(meters);
            }
        }
    }

    private static KafkaInboxCheck lastOr(KafkaInboxMonitor monitor) {
        KafkaInboxCheck last = monitor.last();
        return last != null ? last : KafkaInboxCheck.failed(java.time.Instant.EPOCH, "not looked at yet");
    }
}
