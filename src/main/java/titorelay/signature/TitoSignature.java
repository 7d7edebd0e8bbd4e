package titorelay.signature;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.List;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Tito's webhook signature: {@code Tito-Signature = Base64(HMAC-SHA256(key = event security token, data = raw body))}.
 * <p>
 * Several tokens may be configured (one per Tito event, or old and new during a rotation); a signature is valid when
 * any of them produced it. Comparison is constant-time, and the tokens never leave this class.
 */
public final class TitoSignature {

    private static final String HMAC_SHA256 = "HmacSHA256";
    private static final int SIGNATURE_BYTES = 32;

    /** What a signature check found; {@link #VALID} is the only outcome that lets a webhook in. */
    public enum Outcome {
        VALID,
        MISSING,
        MISMATCH
    }

    private final List<SecretKeySpec> keys;
    /**
     * Per thread, a Mac keyed with each token, reused: {@code doFinal} leaves a Mac keyed as it was. Looking the
     * algorithm up among the security providers and keying a new Mac for every request was 5 % of the webhook
     * port's worker threads in a profile.
     */
    private final ThreadLocal<Mac[]> keyedMacs = ThreadLocal.withInitial(this::newKeyedMacs);

    public TitoSignature(List<String> tokens) {
        if (tokens.isEmpty()) {
            throw new IllegalArgumentException("at least one security token is needed");
        }
        this.keys = tokens.stream()
                .map(token -> new SecretKeySpec(token.getBytes(StandardCharsets.UTF_8), HMAC_SHA256))
                .toList();
    }

    /** The header value Tito would send for this body, signed with this token. */
    public static String sign(String token, byte[] body) {
        return Base64.getEncoder().encodeToString(
                hmac(new SecretKeySpec(token.getBytes(StandardCharsets.UTF_8), HMAC_SHA256), body));
    }

    /**
     * Checks a {@code Tito-Signature} header value against the raw body bytes. Surrounding white space is ignored
     * (Ruby's {@code encode64} ends in a newline that Tito strips, but a proxy might not).
     */
    public Outcome verify(byte[] body, String signatureHeader) {
        if (signatureHeader == null || signatureHeader.isBlank()) {
            return Outcome.MISSING;
        }
        byte[] claimed;
        try {
            claimed = Base64.getDecoder().decode(signatureHeader.strip());
        } catch (IllegalArgumentException notBase64) {
            return Outcome.MISMATCH;
        }
        if (claimed.length != SIGNATURE_BYTES) {
            return Outcome.MISMATCH;
        }
        // Try every key, without stopping at the first match, so the time taken says nothing about which one fit.
        boolean matched = false;
        for (Mac mac : keyedMacs.get()) {
            matched |= MessageDigest.isEqual(mac.doFinal(body), claimed);
        }
        return matched ? Outcome.VALID : Outcome.MISMATCH;
    }

    private Mac[] newKeyedMacs() {
        Mac[] macs = new Mac[keys.size()];
        for (int i = 0; i < macs.length; i++) {
            macs[i] = keyedMac(keys.get(i));
        }
        return macs;
    }

    private static byte[] hmac(SecretKeySpec key, byte[] body) {
        return keyedMac(key).doFinal(body);
    }

    private static Mac keyedMac(SecretKeySpec key) {
        try {
            Mac mac = Mac.getInstance(HMAC_SHA256);
            mac.init(key);
            return mac;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is not available in this JVM", e);
        }
    }
}
