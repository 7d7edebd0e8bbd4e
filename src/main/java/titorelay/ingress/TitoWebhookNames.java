package titorelay.ingress;

import java.util.Set;

/**
 * Tito's fifteen webhook names. A valid webhook with any other name is still accepted and kept (Tito may add names),
 * but metrics tag it as {@code other}: the series stay bounded whatever names a sender makes up.
 */
public final class TitoWebhookNames {

    /** The header the routes' micrometer counters use as their {@code name} tag. */
    public static final String OTHER = "other";

    private static final Set<String> TITO = Set.of(
            "checkin.created", "checkin.deleted",
            "ticket.created", "ticket.completed", "ticket.reassigned", "ticket.updated", "ticket.unsnoozed",
            "ticket.unvoided", "ticket.voided",
            "registration.updated", "registration.finished", "registration.completed", "registration.cancelled",
            "registration.marked_as_paid", "registration.marked_as_unpaid");

    private TitoWebhookNames() {
    }

    /** Whether Tito sends webhooks of this name (the relay's own names, such as api.ticket, are not). */
    public static boolean isTitos(String webhookName) {
        return TITO.contains(webhookName);
    }

    /** The name itself for one of Tito's, else {@value #OTHER}. */
    public static String metricName(String webhookName) {
        return TITO.contains(webhookName) ? webhookName : OTHER;
    }
}
