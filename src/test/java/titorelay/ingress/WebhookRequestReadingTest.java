package titorelay.ingress;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.buffer.impl.BufferImpl;
import org.apache.camel.builder.AdviceWith;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import titorelay.inbox.InboxEnvelope;
import titorelay.signature.TitoSignature;
import titorelay.support.RawHttp;
import titorelay.support.Samples;
import titorelay.support.TestRelay;

/**
 * What the webhook port does with a request before the ingress route's steps: it reads the body into one buffer of its
 * declared length, not into one that is copied into a larger one as the bytes come (Vert.x's default: 256 bytes,
 * doubled until it fits, 4 kB for a ticket), and a body larger than Vert.x preallocates, or sent in chunks without a
 * length, still arrives whole; it copies no request header into the message (the first step reads the few it keeps
 * from the request itself).
 */
class WebhookRequestReadingTest {

    @Test
    void aBodyIsReadIntoOneBufferOfItsDeclaredLength(@TempDir Path dir) throws Exception {
        byte[] ticket = Samples.bytes("ticket-basic.json");
        try (TestRelay relay = TestRelay.start(dir, Map.of("relay.dispatch.auto-start", "false"))) {
            List<Integer> capacities = bufferCapacities(relay);

            assertEquals(202, relay.send("ticket.updated", ticket).status());

            assertEquals(List.of(ticket.length), capacities, "one buffer of the Content-Length, " + ticket.length
                                                             + " bytes (4,096 when it grows as the bytes come)");
            assertArrayEquals(ticket, InboxEnvelope.parse(relay.inbox().get(0).envelope()).body());
        }
    }

    @Test
    void aBodyLargerThanWhatIsPreallocatedOrSentInChunksArrivesWhole(@TempDir Path dir) throws Exception {
        byte[] large = ("{\"slug\":\"ti_large\",\"notes\":\"" + "x".repeat(200_000) + "\"}")
                .getBytes(StandardCharsets.UTF_8);
        byte[] ticket = Samples.bytes("ticket-basic.json");
        try (TestRelay relay = TestRelay.start(dir, Map.of("relay.dispatch.auto-start", "false"))) {
            List<Integer> capacities = bufferCapacities(relay);

            assertEquals(202, signed(large).send(relay.port()).status());
            assertEquals(202, signed(ticket).chunked().send(relay.port()).status());

            assertEquals(2, capacities.size());
            assertArrayEquals(large, InboxEnvelope.parse(relay.inbox().get(0).envelope()).body());
            assertArrayEquals(ticket, InboxEnvelope.parse(relay.inbox().get(1).envelope()).body());
        }
    }

    @Test
    void theRouteReceivesTheBodyWithoutTheRequestsHeadersAndStillReadsTheOnesItKeeps(@TempDir Path dir)
            throws Exception {
        byte[] ticket = Samples.bytes("ticket-basic.json");
        try (TestRelay relay = TestRelay.start(dir, Map.of("relay.dispatch.auto-start", "false"))) {
            List<Set<String>> headersReceived = new CopyOnWriteArrayList<>();
            AdviceWith.adviceWith(relay.camelContext(), "ingress", route -> route.weaveAddFirst().process(exchange ->
                    headersReceived.add(Set.copyOf(exchange.getMessage().getHeaders().keySet()))));

            assertEquals(202, signed(ticket).header("X-Forwarded-For", "203.0.113.7")
                    .header("X-Webhook-Endpoint-Id", "ep_1").send(relay.port()).status());

            assertEquals(List.of(Set.of()), headersReceived, "no header copied from the request");
            InboxEnvelope stored = InboxEnvelope.parse(relay.inbox().get(0).envelope());
            assertEquals("ticket.updated", stored.fields().get(InboxEnvelope.WEBHOOK_NAME));
            assertEquals("ep_1", stored.fields().get(InboxEnvelope.ENDPOINT_ID));
        }
    }

    /** The capacity of the buffer each request's body was read into, as the ingress route receives it. */
    private static List<Integer> bufferCapacities(TestRelay relay) throws Exception {
        List<Integer> capacities = new CopyOnWriteArrayList<>();
        AdviceWith.adviceWith(relay.camelContext(), "ingress", route -> route.weaveAddFirst().process(exchange ->
                capacities.add(((BufferImpl) exchange.getMessage().getBody(Buffer.class)).byteBuf().capacity())));
        return capacities;
    }

    private static RawHttp signed(byte[] body) {
        return RawHttp.request("POST", "/webhooks/tito").header("Content-Type", "application/json")
                .header("X-Webhook-Name", "ticket.updated")
                .header("Tito-Signature", TitoSignature.sign(TestRelay.TOKEN, body)).body(body);
    }
}
