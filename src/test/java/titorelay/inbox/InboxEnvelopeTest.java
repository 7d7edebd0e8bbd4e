package titorelay.inbox;

import java.nio.charset.StandardCharsets;
import java.util.Map;

import org.junit.jupiter.api.Test;
import titorelay.support.Samples;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The envelope's bytes, as a person reads them with cat, and back. */
class InboxEnvelopeTest {

    private static final byte[] BODY = Samples.bytes("ticket-basic.json");

    @Test
    void theNameComesFirstThenTheOtherFieldsInOrderThenABlankLineThenTheBodyAsSent() {
        InboxEnvelope envelope = new InboxEnvelope(Map.of("Received-At", "2026-11-26T18:55:00.123Z",
                "X-Webhook-Name", "ticket.updated", "Failure", "two\nlines\r\nhere", "Attempts", "7"), BODY);
        String head = "X-Webhook-Name: ticket.updated\n"
                      + "Attempts: 7\n"
                      + "Failure: two lines  here\n"
                      + "Received-At: 2026-11-26T18:55:00.123Z\n"
                      + "\n";
        byte[] headBytes = head.getBytes(StandardCharsets.UTF_8);
        byte[] expected = new byte[headBytes.length + BODY.length];
        System.arraycopy(headBytes, 0, expected, 0, headBytes.length);
        System.arraycopy(BODY, 0, expected, headBytes.length, BODY.length);

        assertArrayEquals(expected, envelope.toBytes());
    }

    @Test
    void readBackItIsTheSameDelivery() {
        InboxEnvelope envelope = new InboxEnvelope(Map.of("X-Webhook-Name", "ticket.updated",
                "X-Webhook-Endpoint-Id", "café ☕"), BODY);
        InboxEnvelope read = InboxEnvelope.parse(envelope.toBytes());
        assertEquals(envelope.fields(), read.fields());
        assertArrayEquals(BODY, read.body());
        assertEquals(envelope.deliveryKey(), read.deliveryKey());
    }

    @Test
    void anEmptyBodyIsKeptEmpty() {
        byte[] bytes = new InboxEnvelope(Map.of("X-Webhook-Name", "ticket.updated"), new byte[0]).toBytes();
        assertEquals("X-Webhook-Name: ticket.updated\n\n", new String(bytes, StandardCharsets.UTF_8));
        assertArrayEquals(new byte[0], InboxEnvelope.parse(bytes).body());
    }

    @Test
    void bytesThatAreNoEnvelopeAreRefusedWithTheReason() {
        assertEquals("not an inbox envelope: no blank line after its fields", assertThrows(IllegalArgumentException.class,
                () -> InboxEnvelope.parse("X-Webhook-Name: x\n{}".getBytes(StandardCharsets.UTF_8))).getMessage());
        assertEquals("not an inbox envelope: no X-Webhook-Name field", assertThrows(IllegalArgumentException.class,
                () -> InboxEnvelope.parse("Other: x\n\n{}".getBytes(StandardCharsets.UTF_8))).getMessage());
    }

    @Test
    void itsHeadGivesTheFieldsAndTheDeliveryKeyWithoutCopyingTitosBytes() throws Exception {
        byte[] bytes = new InboxEnvelope(Map.of("X-Webhook-Name", "ticket.updated", "Received-At", "2026-12-07T22:00:00Z"),
                BODY).toBytes();
        InboxEnvelope.Head head = InboxEnvelope.head(bytes);
        assertEquals(Map.of("X-Webhook-Name", "ticket.updated", "Received-At", "2026-12-07T22:00:00Z"), head.fields());
        assertArrayEquals(BODY, java.util.Arrays.copyOfRange(bytes, head.bodyStart(), bytes.length));
        // The key, worked out here: SHA-256 of the name, a newline, and Tito's bytes.
        java.security.MessageDigest sha = java.security.MessageDigest.getInstance("SHA-256");
        sha.update("ticket.updated\n".getBytes(StandardCharsets.UTF_8));
        String expected = java.util.HexFormat.of().formatHex(sha.digest(BODY));
        assertEquals(expected, head.deliveryKey(bytes));
        assertEquals(expected, InboxEnvelope.parse(bytes).deliveryKey());
        assertArrayEquals(BODY, InboxEnvelope.titosBytes(bytes));
        assertEquals("not an inbox envelope: no blank line after its fields", assertThrows(IllegalArgumentException.class,
                () -> InboxEnvelope.head("X-Webhook-Name: x\n{}".getBytes(StandardCharsets.UTF_8))).getMessage());
    }
}
