package titorelay.console;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

import org.apache.camel.CamelContext;
import org.apache.camel.health.HealthCheck;
import org.apache.camel.health.HealthCheckHelper;

/** The relay's health checks as the console shows them: each sink's state, its message, and what to do when DOWN. */
final class SinkHealth {

    /** What to look at when a check of this id is DOWN. */
    private static final Map<String, String> WHAT_TO_FIX = Map.of(
            "spreadsheet", "Check sheets.spreadsheet-id and the credentials, and that the spreadsheet is shared with"
                           + " the service account as Editor. Deliveries wait in the inbox meanwhile.",
            "organizer-email", "Check mail.smtp.host, port, user and MAIL_SMTP_PASSWORD, and that the server accepts"
                               + " the sender. Emails are retried, then kept as dead letters.",
            "inbox", "With the journal, check the disk under relay.data-dir: free space, permissions, errors in the log."
                     + " With Kafka, check the brokers and relay.kafka.* as the message says. Webhooks are answered 503"
                     + " meanwhile, so Tito sends them again later.",
            "dead-letters", "Open Dead letters: fix what made them fail, then replay them.",
            "tito-api", "Check TITO_API_TOKEN, tito.account and tito.events; the next pass retries.");

    private SinkHealth() {
    }

    static List<Map<String, Object>> of(CamelContext camelContext) {
        List<Map<String, Object>> rows = new ArrayList<>();
        HealthCheckHelper.invoke(camelContext, "full").stream()
                // The relay's own checks; not Camel's per-route and per-consumer ones.
                .filter(result -> "tito-relay".equals(result.getCheck().getGroup())
                                  || WHAT_TO_FIX.containsKey(result.getCheck().getId()))
                .sorted(Comparator.comparing(result -> result.getCheck().getId()))
                .forEach(result -> {
                    boolean down = result.getState() == HealthCheck.State.DOWN;
                    String fix = down ? WHAT_TO_FIX.getOrDefault(result.getCheck().getId(), "") : "";
                    rows.add(Map.of("id", result.getCheck().getId(), "state", result.getState().name(),
                            "down", down, "message", result.getMessage().orElse(""), "fix", fix));
                });
        return rows;
    }
}
