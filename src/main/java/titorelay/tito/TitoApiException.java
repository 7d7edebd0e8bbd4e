package titorelay.tito;

/**
 * A call to Tito's Admin API that failed for good. {@link #settingToFix()} names the setting that is wrong when Tito
 * refused it (401: the token; 404: the account or an event), else null. The message never contains the token.
 */
public final class TitoApiException extends Exception {

    private final int status;
    private final String settingToFix;

    public TitoApiException(int status, String message, String settingToFix) {
        super(message);
        this.status = status;
        this.settingToFix = settingToFix;
    }

    public int status() {
        return status;
    }

    public String settingToFix() {
        return settingToFix;
    }
}
