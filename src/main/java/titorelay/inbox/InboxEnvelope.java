package titorelay.inbox;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One stored delivery, as kept in the inbox and in dead letters: a few {@code Name: value} lines, a blank line, then
 * the body exactly as Tito sent it. A person can read it with {@code cat}; any endpoint that carries bytes can carry
 * it, so the inbox can move from local files to a broker without changing the format.
 *
 * <pre>
 * X-Webhook-Name: ticket.updated
 * Received-At: 2026-11-26T18:55:00.123Z
 *
 * {"id":795, ...}
 * </pre>
 */
public record InboxEnvelope(Map<String, String> fields, byte[] body) {

    public static final String WEBHOOK_NAME = "X-Webhook-Name";
    public static final String RECEIVED_AT = "Received-At";
    public static final String ENDPOINT_ID = "X-Webhook-Endpoint-Id";

    private static final byte[] SEPARATOR = "\n\n".getBytes(StandardCharsets.US_ASCII);

    public InboxEnvelope {
        fields = Map.copyOf(new LinkedHashMap<>(fields));
    }

    public String field(String name) {
        return fields.get(name);
    }

    /** A copy with more fields (a dead letter's failure details), the body untouched. */
    public InboxEnvelope with(Map<String, String> more) {
        Map<String, String> all = new LinkedHashMap<>(fields);
        all.putAll(more);
        return new InboxEnvelope(all, body);
    }

    /**
     * What identifies a delivery for deduplication: the same webhook name over the same bytes. Tito sends no delivery
     * id, and a retry re-sends identical bytes, so this is also what recognises a replayed or retried request.
     */
    public String deliveryKey() {
        return key(field(WEBHOOK_NAME), body, 0, body.length);
    }

    private static String key(String webhookName, byte[] bytes, int offset, int length) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update(webhookName.getBytes(StandardCharsets.UTF_8));
            sha.update((byte) '\n');
            sha.update(bytes, offset, length);
            return HexFormat.of().formatHex(sha.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is not available in this JVM", e);
        }
    }

    public byte[] toBytes() {
        // Fields in a stable order: the name first, as a person reading the file would want it.
        StringBuilder head = new StringBuilder(128);
        if (fields.containsKey(WEBHOOK_NAME)) {
            fieldLine(head, WEBHOOK_NAME);
        }
        fields.keySet().stream().filter(key -> !key.equals(WEBHOOK_NAME)).sorted().forEach(key -> fieldLine(head, key));
        head.append('\n');
        byte[] headBytes = head.toString().getBytes(StandardCharsets.UTF_8);
        // Sized exactly: the body is copied once (each webhook passes here, at the rate Tito sends).
        byte[] bytes = Arrays.copyOf(headBytes, headBytes.length + body.length);
        System.arraycopy(body, 0, bytes, headBytes.length, body.length);
        return bytes;
    }

    private void fieldLine(StringBuilder head, String key) {
        head.append(key).append(": ").append(oneLine(fields.get(key))).append('\n');
    }

    public static InboxEnvelope parse(byte[] bytes) {
        Head head = head(bytes);
        return new InboxEnvelope(head.fields(), Arrays.copyOfRange(bytes, head.bodyStart(), bytes.length));
    }

    /**
     * An envelope's fields, and where Tito's bytes begin in it: read without copying them (dispatch routes on the
     * fields while the envelope stays whole, see {@link OpenInboxEnvelope}).
     */
    public record Head(Map<String, String> fields, int bodyStart) {

        /** {@link InboxEnvelope#deliveryKey()} of the envelope this head was read from. */
        public String deliveryKey(byte[] envelope) {
            return key(fields.get(WEBHOOK_NAME), envelope, bodyStart, envelope.length - bodyStart);
        }
    }

    /**
     * Tito's bytes, copied out of an envelope whose fields were read before ({@link #head}): found by the blank line
     * alone, without reading the fields again.
     */
    public static byte[] titosBytes(byte[] envelope) {
        return Arrays.copyOfRange(envelope, fieldsEnd(envelope) + SEPARATOR.length, envelope.length);
    }

    /** Where the fields end: the blank line. */
    private static int fieldsEnd(byte[] bytes) {
        int end = indexOf(bytes, SEPARATOR);
        if (end < 0) {
            throw new IllegalArgumentException("not an inbox envelope: no blank line after its fields");
        }
        return end;
    }

    public static Head head(byte[] bytes) {
        int end = fieldsEnd(bytes);
        Map<String, String> fields = new LinkedHashMap<>();
        String head = new String(bytes, 0, end, StandardCharsets.UTF_8);
        for (String line : head.split("\n")) {
            int colon = line.indexOf(": ");
            if (colon <= 0) {
                throw new IllegalArgumentException("not an inbox envelope: bad field line '" + line + "'");
            }
            fields.put(line.substring(0, colon), line.substring(colon + 2));
        }
        if (!fields.containsKey(WEBHOOK_NAME)) {
            throw new IllegalArgumentException("not an inbox envelope: no " + WEBHOOK_NAME + " field");
        }
        return new Head(Map.copyOf(fields), end + SEPARATOR.length);
    }

    private static String oneLine(String value) {
        return value.replace('\r', ' ').replace('\n', ' ');
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i <= haystack.length - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
