package titorelay.ingress;

/**
 * A request that the relay refuses, with the HTTP status to answer and a short reason (a metric tag). The message is
 * sent back to the caller, so it never contains request data or secrets.
 */
public class RejectedWebhook extends RuntimeException {

    private final int status;
    private final String reason;

    public RejectedWebhook(int status, String reason, String message) {
        super(message, null, false, false); // no stack trace: rejections are expected, and cheap under attack
        this.status = status;
        this.reason = reason;
    }

    public int getStatus() {
        return status;
    }

    public String getReason() {
        return reason;
    }
}
