package titorelay.inbox;

import java.time.Instant;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.Set;

import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.Processor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import titorelay.Headers;

/**
 * Logs deliveries that no branch of routes/routing.yaml takes, within bounds: the first delivery of each of the
 * first {@code loggedNames} distinct names gets its own WARN line (a name Tito has added shows up at once); every
 * other one is counted into a summary line, at most one per {@code summaryIntervalMs}, so a sender making up names
 * cannot fill the log. Each one is also counted in {@code tito_webhooks_unrouted_total}, and logged at DEBUG.
 */
public final class UnroutedWebhookLog implements Processor {

    private static final Logger LOG = LoggerFactory.getLogger(UnroutedWebhookLog.class);
    /** How many of the summarised names a summary line shows. */
    private static final int NAMES_IN_SUMMARY = 5;

    private final int loggedNames;
    private final long summaryIntervalMs;
    private final Set<String> namesLogged = new HashSet<>();
    // Since the last summary line:
    private final Set<String> summarisedNames = new LinkedHashSet<>();
    private long summarised;
    private long lastSummaryAt;
    private Instant summarisedSince;

    public UnroutedWebhookLog(int loggedNames, long summaryIntervalMs) {
        this.loggedNames = loggedNames;
        this.summaryIntervalMs = summaryIntervalMs;
    }

    @Override
    public void process(Exchange exchange) {
        Message message = exchange.getMessage();
        String name = message.getHeader(Headers.WEBHOOK_NAME, String.class);
        String delivery = message.getHeader(Headers.DELIVERY_KEY, String.class);
        String line = note(name, System.currentTimeMillis());
        if (line != null) {
            LOG.warn(line, name, delivery);
        }
        LOG.debug("Unrouted webhook {}, delivery {}", name, delivery);
    }

    /** The WARN line this delivery calls for (placeholders: its name and key), or null for none now. */
    private synchronized String note(String name, long now) {
        if (namesLogged.size() < loggedNames && namesLogged.add(name)) {
            return "Unrouted webhook {} (no branch in routes/routing.yaml), delivery {}";
        }
        if (summarised == 0) {
            summarisedSince = Instant.ofEpochMilli(now);
        }
        summarised++;
        if (summarisedNames.size() < NAMES_IN_SUMMARY) {
            summarisedNames.add(name);
        }
        if (now - lastSummaryAt < summaryIntervalMs) {
            return null;
        }
        String summary = "Unrouted webhooks: " + summarised + " more since " + summarisedSince + " (names such as "
                         + String.join(", ", summarisedNames) + "; the last {}, delivery {}); at most one such line every "
                         + summaryIntervalMs + " ms, and each is counted in tito_webhooks_unrouted_total";
        summarised = 0;
        summarisedNames.clear();
        lastSummaryAt = now;
        return summary;
    }
}
