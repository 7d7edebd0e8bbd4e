package titorelay.inbox;

import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;

import org.apache.camel.CamelContext;
import titorelay.settings.Settings;

/**
 * Where the inbox is ({@code relay.inbox.kind}: the journal on this machine, or a Kafka topic several relays share),
 * and for Kafka the {@code relay.kafka.*} settings: the brokers, the topic, how long a webhook may wait for the
 * broker's acknowledgement, and the client's security settings ({@code relay.kafka.security.*}), passed to the Kafka
 * client as they are: {@code relay.kafka.security.sasl.mechanism=PLAIN} becomes {@code sasl.mechanism=PLAIN}. A
 * secret comes from the environment: RELAY_KAFKA_SECURITY_SASL_JAAS_CONFIG is {@code sasl.jaas.config} (Kafka's keys
 * are lower case with dots, so the variable's name says the key).
 */
record KafkaInboxSettings(String brokers, String topic, int ackTimeoutMs, int lingerMs, String groupId,
        int sessionTimeoutMs, int maxBatch, Map<String, Object> security) {

    static final String SECURITY = "relay.kafka.security.";
    private static final String SECURITY_VARIABLE = "RELAY_KAFKA_SECURITY_";

    /** True for {@code relay.inbox.kind=kafka}, false for the journal (the default); anything else stops the start. */
    static boolean chosen(Settings settings) {
        String kind = settings.text("relay.inbox.kind", "journal").strip();
        return switch (kind) {
            case "journal", "" -> false;
            case "kafka" -> true;
            default -> throw new IllegalArgumentException("relay.inbox.kind must be journal or kafka, not '" + kind + "'");
        };
    }

    static KafkaInboxSettings of(CamelContext camelContext, Map<String, String> environment) {
        Settings settings = Settings.of(camelContext);
        String brokers = settings.text("relay.kafka.brokers").strip();
        if (brokers.isEmpty()) {
            throw new IllegalArgumentException("relay.inbox.kind=kafka needs relay.kafka.brokers (host:port,...)");
        }
        if (!settings.text("tito.api-token").isBlank()) {
            // Its passes write the sheet directly, not through the spreadsheet's partition: beside the relay that owns
            // it, two writers could append the same new ticket twice.
            throw new IllegalArgumentException("tito.api-token cannot be set with relay.inbox.kind=kafka: the Admin API"
                                               + " mirror would write the sheet beside the relay that owns its partition;"
                                               + " run the mirror on a relay with the journal inbox, or not at all");
        }
        String topic = settings.text("relay.kafka.topic").strip();
        if (topic.isEmpty()) {
            throw new IllegalArgumentException("relay.kafka.topic must name the inbox topic");
        }
        int lingerMs = settings.integer("relay.kafka.linger-ms");
        int ackTimeoutMs = settings.integer("relay.kafka.ack-timeout-ms");
        if (lingerMs < 0 || ackTimeoutMs < lingerMs + 100) {
            throw new IllegalArgumentException("relay.kafka.ack-timeout-ms (" + ackTimeoutMs + ") must be at least 100 "
                                               + "more than relay.kafka.linger-ms (" + lingerMs + ")");
        }
        String groupId = settings.text("relay.kafka.group-id").strip();
        if (groupId.isEmpty()) {
            throw new IllegalArgumentException("relay.kafka.group-id must name dispatch's consumer group");
        }
        int sessionTimeoutMs = settings.integer("relay.kafka.session-timeout-ms");
        // A batch is at most what dispatch may hold at once (its offsets are committed when all of it is done). Dispatch
        // polls again only once a batch is done, and a sink may hold a delivery until its next write (the spreadsheet
        // writes once a second): a batch of 1,000 capped dispatch at about 500 deliveries a second.
        int maxBatch = settings.integer("relay.dispatch.max-in-flight");
        Properties declared = camelContext.getPropertiesComponent().loadProperties(key -> key.startsWith(SECURITY));
        return new KafkaInboxSettings(brokers, topic, ackTimeoutMs, lingerMs, groupId, sessionTimeoutMs, maxBatch,
                security(declared, environment));
    }

    /**
     * The client settings of relay.kafka.security.* that are not empty: from the properties, and the environment
     * over them. Read as they are rather than looked up one by one, so that Camel's start-up summary of the settings
     * it looked up does not list them (it would show sasl.jaas.config, whose last word "config" it does not mask).
     */
    static Map<String, Object> security(Properties declared, Map<String, String> environment) {
        Map<String, Object> security = new TreeMap<>();
        for (String key : declared.stringPropertyNames()) {
            String value = declared.getProperty(key);
            if (key.startsWith(SECURITY) && !value.isBlank()) {
                security.put(key.substring(SECURITY.length()), value.strip());
            }
        }
        environment.forEach((variable, value) -> {
            if (variable.startsWith(SECURITY_VARIABLE) && variable.length() > SECURITY_VARIABLE.length()
                && !value.isBlank()) {
                security.put(variable.substring(SECURITY_VARIABLE.length()).toLowerCase(Locale.ROOT).replace('_', '.'),
                        value.strip());
            }
        });
        return security;
    }
}
