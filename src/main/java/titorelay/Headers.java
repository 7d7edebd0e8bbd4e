package titorelay;

/**
 * The message headers the routes and their Java steps pass each other, each named once here. The route files spell
 * the same names (e.g. {@code ${header.X-Webhook-Name}}).
 */
public final class Headers {

    /** Tito's webhook name ("ticket.updated"), as Tito sent it and as the inbox keeps it. */
    public static final String WEBHOOK_NAME = "X-Webhook-Name";
    /** Tito's HMAC of the body; removed once verified. */
    public static final String SIGNATURE = "Tito-Signature";
    /** The webhook name for metric tags: one of Tito's 15, or "other" (keeps the series bounded). */
    public static final String METRIC_NAME = "TitoMetricName";
    /** When the relay accepted the delivery (ISO-8601, UTC), from its inbox envelope. */
    public static final String RECEIVED_AT = "TitoReceivedAt";
    /** The delivery's identity (a hash of its name and bytes): what dispatch and the email sink dedupe on. */
    public static final String DELIVERY_KEY = "TitoDeliveryKey";
    /** What an organizer email is about, "ticket.voided ti_abc" (routes/email.yaml): emailed once by reconciliation. */
    public static final String EMAIL_ABOUT = "TitoEmailAbout";
    /** A record of Tito's Admin API: "backfill" or "reconcile", the pass that found it (routes/tito-api.yaml). */
    public static final String FOUND_BY = "TitoApiFoundBy";
    /** The event slug of a record of Tito's Admin API. */
    public static final String API_EVENT = "TitoApiEvent";
    /** Which Google Sheets call routes/spreadsheet.yaml's google-sheets route makes. */
    public static final String SHEETS_CALL = "TitoRelaySheetsCall";

    private Headers() {
    }
}
