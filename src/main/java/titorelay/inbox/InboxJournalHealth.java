package titorelay.inbox;

import java.util.Map;

import org.apache.camel.health.HealthCheckResultBuilder;
import org.apache.camel.impl.health.AbstractHealthCheck;

/**
 * DOWN while dispatch cannot read the inbox journal (webhooks are still accepted and kept, but wait there), or cannot
 * save its position in it (its directory is not writable, the disk is full: webhooks are still dispatched, but no
 * segment is retired, so the journal grows, and a restart would dispatch again what was done since, as repeats).
 */
public final class InboxJournalHealth extends AbstractHealthCheck {

    private final InboxJournal journal;

    public InboxJournalHealth(InboxJournal journal) {
        super("tito-relay", "inbox");
        this.journal = journal;
    }

    @Override
    protected void doCall(HealthCheckResultBuilder builder, Map<String, Object> options) {
        builder.detail("journal-segments", journal.segments());
        builder.detail("waiting-for-dispatch", journal.backlog());
        String problem = journal.dispatchProblem();
        if (problem == null) {
            builder.message("Webhooks are kept in the journal and dispatched from it").up();
        } else {
            builder.message("Dispatch from the inbox journal: " + problem).down();
        }
    }
}
