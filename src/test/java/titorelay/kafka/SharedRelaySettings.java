package titorelay.kafka;

import java.util.HashMap;
import java.util.Map;

import titorelay.dedupe.DatabaseServer;
import titorelay.sheets.SheetsEmulator;
import titorelay.support.KafkaBroker;
import titorelay.support.SinkSettings;

/**
 * The settings of relays that work together: one inbox topic (the consumer group named after it), one dedupe
 * database, one spreadsheet (in the Sheets emulator) and one SMTP server.
 */
final class SharedRelaySettings {

    private SharedRelaySettings() {
    }

    static Map<String, String> of(KafkaBroker broker, String topic, DatabaseServer database, SheetsEmulator google,
            String spreadsheetId, int smtpPort) {
        Map<String, String> settings = new HashMap<>(Map.of(
                "relay.inbox.kind", "kafka",
                "relay.kafka.brokers", broker.bootstrapServers(),
                "relay.kafka.topic", topic,
                "relay.kafka.group-id", topic,
                // A relay killed or frozen loses its partitions after 3 s without heartbeats.
                "relay.kafka.session-timeout-ms", "3000",
                "relay.dedupe.jdbc-url", database.url,
                "relay.dedupe.jdbc-user", DatabaseServer.USER,
                "relay.dedupe.jdbc-password", DatabaseServer.PASSWORD));
        settings.putAll(SinkSettings.emulatorAndSmtp(google, spreadsheetId, smtpPort));
        settings.putAll(Map.of(
                "camel.health.exposure-level", "full",
                // Each relay's own console log is beside the point here, and costs CPU the relays share.
                "relay.delivery-log.enabled", "false"));
        return settings;
    }
}
