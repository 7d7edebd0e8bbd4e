package titorelay.inbox;

import java.util.Map;

import org.apache.camel.health.HealthCheckResultBuilder;
import org.apache.camel.impl.health.AbstractHealthCheck;

/**
 * The inbox check with relay.inbox.kind=kafka: says where webhooks are kept and who dispatches them. (Whether the
 * broker is reachable, and the consumer's lag, are not checked yet: a broker that does not acknowledge shows as 503
 * answers and in tito_webhooks_rejected_total{reason="not-stored"}.)
 */
final class KafkaInboxHealth extends AbstractHealthCheck {

    private final KafkaInboxSettings settings;

    KafkaInboxHealth(KafkaInboxSettings settings) {
        super("tito-relay", "inbox");
        this.settings = settings;
    }

    @Override
    protected void doCall(HealthCheckResultBuilder builder, Map<String, Object> options) {
        builder.detail("topic", settings.topic());
        builder.detail("consumer-group", settings.groupId());
        builder.message("Webhooks are kept in the Kafka topic " + settings.topic() + " and dispatched from it in the "
                        + "consumer group " + settings.groupId()).up();
    }
}
