package titorelay.tito;

import java.util.List;

/**
 * The two lists the relay mirrors, with every state named (Tito leaves void and archived tickets, and cancelled
 * registrations, out unless asked; naming states selects exactly those), and the name under which their records
 * reach the spreadsheet (sheet-columns.yaml): a name no Tito webhook has.
 */
public enum RecordKind {
    TICKETS("tickets", "api.ticket", "void",
            List.of("complete", "incomplete", "unassigned", "void", "archived"), "registration,release,answers"),
    REGISTRATIONS("registrations", "api.registration", "cancelled",
            List.of("paid", "unpaid", "complete", "confirmed", "incomplete", "cancelled"), null);

    public final String path;
    public final String webhookName;
    /** The state that cancels: a reconcile pass hands such records to direct:reconciled-cancellation. */
    public final String cancelledState;
    public final List<String> states;
    public final String expand;

    RecordKind(String path, String webhookName, String cancelledState, List<String> states, String expand) {
        this.path = path;
        this.webhookName = webhookName;
        this.cancelledState = cancelledState;
        this.states = states;
        this.expand = expand;
    }

    public static RecordKind ofWebhookName(String name) {
        for (RecordKind kind : values()) {
            if (kind.webhookName.equals(name)) {
                return kind;
            }
        }
        return null;
    }
}
