package titorelay.ingress;

import java.util.HashMap;
import java.util.Map;

import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Logs the webhooks the ingress route refuses (401, 400), within bounds: anyone can send unsigned requests, and a line
 * for each would let them fill the disk. The first refusal for each reason gets its line at once; after it, a reason
 * gets at most one line every {@code intervalMs}, which says how many more were refused for it since its previous
 * line. Every refusal is counted in {@code tito_webhooks_rejected_total} anyway. A line holds the refusal's status,
 * reason and message, which come from the relay's code, never from the request.
 */
public final class RefusalLog implements Processor {

    private static final Logger LOG = LoggerFactory.getLogger(RefusalLog.class);

    private final long intervalMs;
    /** By reason (a handful, all named in the code): when its last line was written. */
    private final Map<String, Long> lastLineAt = new HashMap<>();
    /** By reason: the refusals since its last line, which had none of their own. */
    private final Map<String, Long> unlogged = new HashMap<>();

    public RefusalLog(long intervalMs) {
        this.intervalMs = intervalMs;
    }

    @Override
    public void process(Exchange exchange) {
        RejectedWebhook refused = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, RejectedWebhook.class);
        if (refused == null) {
            throw new IllegalStateException("logRefusal runs where a RejectedWebhook was caught (routes/ingress.yaml)");
        }
        long before = note(refused.getReason(), System.currentTimeMillis());
        if (before == 0) {
            LOG.info("Refused a webhook ({} {}): {}", refused.getStatus(), refused.getReason(), refused.getMessage());
        } else if (before > 0) {
            LOG.info("Refused a webhook ({} {}): {}; and {} more for this reason since its previous line (at most one line"
                     + " a reason every {} ms; each is counted in tito_webhooks_rejected_total)", refused.getStatus(),
                    refused.getReason(), refused.getMessage(), before, intervalMs);
        }
    }

    /** How many refusals of this reason had no line since its previous one, if this one gets a line now; else -1. */
    private synchronized long note(String reason, long now) {
        Long last = lastLineAt.get(reason);
        if (last != null && now - last < intervalMs) {
            unlogged.merge(reason, 1L, Long::sum);
            return -1;
        }
        lastLineAt.put(reason, now);
        Long before = unlogged.remove(reason);
        return before == null ? 0 : before;
    }
}
