package titorelay.support;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * What the README says identifies a delivery, computed here on its own rather than by the relay's code, so that a
 * test comparing keys also checks how the relay makes them: the SHA-256 of the webhook name, a newline, and the body.
 */
public final class DeliveryKeys {

    private DeliveryKeys() {
    }

    public static String key(String webhookName, byte[] body) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update((webhookName + "\n").getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(sha.digest(body));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The Message-ID of the organizer email about a delivery: its key and name, at tito-relay. */
    public static String messageId(String webhookName, byte[] body) {
        return "<" + key(webhookName, body) + "." + webhookName + "@tito-relay>";
    }
}
