package titorelay.inbox;

import java.util.Map;

import org.apache.camel.health.HealthCheckResultBuilder;
import org.apache.camel.impl.health.AbstractHealthCheck;

/**
 * DOWN while the inbox cannot be written: webhooks are still accepted (they are durable in the journal), but none
 * reaches dispatch until a person makes the inbox writable again.
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
        builder.detail("waiting-for-the-inbox", journal.unspooled());
        String problem = journal.spoolProblem();
        if (problem == null) {
            builder.message("Webhooks go from the journal into the inbox").up();
        } else {
            builder.message("Cannot write into the inbox; webhooks are kept in its journal meanwhile: " + problem).down();
        }
    }
}
