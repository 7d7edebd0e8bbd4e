package titorelay.inbox;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;

import org.apache.camel.health.HealthCheckResultBuilder;
import org.apache.camel.impl.health.AbstractHealthCheck;

/**
 * The inbox check with relay.inbox.kind=kafka, from the monitor's last look at the cluster: DOWN while the brokers
 * cannot be reached (a webhook cannot be acknowledged then: this relay answers 503, and a load balancer should send
 * Tito to a relay that reaches them), or the topic is missing; UP otherwise, naming the brokers, the consumer lag and
 * the partitions this relay dispatches.
 * <p>
 * A large lag is reported, never DOWN: the lag is the consumer group's, the same on every relay, so a DOWN for it
 * would take every relay out of the load balancer at once, and webhooks would then be refused (and maybe lost: Tito
 * documents no retry policy) while taking them in costs dispatch nothing. A growing lag is for an alert on
 * tito_kafka_consumer_lag, and the sinks' own checks say why dispatch is slow.
 */
final class KafkaInboxHealth extends AbstractHealthCheck {

    private final KafkaInboxMonitor monitor;

    KafkaInboxHealth(KafkaInboxMonitor monitor) {
        super("tito-relay", "inbox");
        this.monitor = monitor;
    }

    @Override
    protected void doCall(HealthCheckResultBuilder builder, Map<String, Object> options) {
        KafkaInboxSettings settings = monitor.settings();
        builder.detail("topic", settings.topic());
        builder.detail("consumer-group", settings.groupId());
        String where = "Webhooks are kept in the Kafka topic " + settings.topic() + " and dispatched from it in the "
                       + "consumer group " + settings.groupId() + ". ";
        KafkaInboxCheck last = monitor.last();
        if (last == null) {
            builder.message(where + "Not connected to the Kafka brokers at relay.kafka.brokers=" + settings.brokers()
                            + " yet").down();
            return;
        }
        builder.detail("checked-at", last.at().toString());
        // Three intervals without a look ending (each takes at most one): the check itself is stuck.
        Duration age = Duration.between(last.at(), Instant.now());
        if (age.toMillis() > 3 * monitor.intervalMs()) {
            builder.message(where + "The Kafka brokers have not been checked for " + age.toSeconds() + " s (last "
                            + "check at " + last.at() + "): see the log for kafka-inbox-check").down();
            return;
        }
        if (!last.isReached()) {
            builder.message(where + "Kafka: " + last.problem()).down();
            return;
        }
        builder.detail("brokers", String.join(",", last.brokers()));
        builder.detail("consumer-lag", last.totalLag());
        builder.detail("owned-partitions", last.ownedPartitions());
        builder.message(where + "Connected to the Kafka broker(s) " + String.join(", ", last.brokers())
                        + ". Consumer lag (deliveries not yet dispatched): " + last.totalLag() + " ("
                        + last.lagByPartition() + "). This relay dispatches partitions: " + last.ownedPartitions()
                        + " (of " + last.lag().size() + ")").up();
    }
}
