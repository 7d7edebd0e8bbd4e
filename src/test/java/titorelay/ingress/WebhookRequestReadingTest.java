package titorelay.ingress;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.buffer.impl.BufferImpl;
import org.apache.camel.builder.AdviceWith;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
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
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class WebhookRequestReadingTest {

    private static final byte[] TICKET = Samples.bytes("ticket-basic.json");

    private TestRelay relay;
    /** For each request the ingress route received: the capacity of its body's buffer, and its headers' names. */
    private final List<Integer> capacities = new CopyOnWriteArrayList<>();
    private final List<Set<String>> headersReceived = new CopyOnWriteArrayList<>();
    private int storedBefore;

    @BeforeAll
    void startRelay() throws Exception {
        relay = TestRelay.start(Files.createTempDirectory("request-reading"),
                Map.of("relay.dispatch.auto-start", "false"));
        AdviceWith.adviceWith(relay.camelContext(), "ingress", route -> route.weaveAddFirst().process(exchange -> {
            capacities.add(((BufferImpl) exchange.getMessage().getBody(Buffer.class)).byteBuf().capacity());
            headersReceived.add(Set.copyOf(exchange.getMessage().getHeaders().keySet()));
        }));
    }

    @AfterAll
    void stopRelay() throws Exception {
        relay.close();
    }

    @BeforeEach
    void forgetEarlierRequests() {
        capacities.clear();
        headersReceived.clear();
        storedBefore = relay.inbox().size();
    }

    /** The body of the {@code index}th delivery this test stored. */
    private byte[] storedBody(int index) {
        return InboxEnvelope.parse(relay.inbox().get(storedBefore + index).envelope()).body();
    }

    @Test
    void aBodyIsReadIntoOneBufferOfItsDeclaredLength() throws Exception {
        assertEquals(202, relay.send("ticket.updated", TICKET).status());

        assertEquals(List.of(TICKET.length), capacities, "one buffer of the Content-Length, " + TICKET.length
                                                         + " bytes (4,096 when it grows as the bytes come)");
        assertArrayEquals(TICKET, storedBody(0));
    }

    @Test
    void aBodyLargerThanWhatIsPreallocatedOrSentInChunksArrivesWhole() throws Exception {
        byte[] large = ("{\"slug\":\"ti_large\",\"notes\":\"" + "x".repeat(200_000) + "\"}")
                .getBytes(StandardCharsets.UTF_8);

        assertEquals(202, signed(large).send(relay.port()).status());
        assertEquals(202, signed(TICKET).chunked().send(relay.port()).status());

        assertEquals(2, capacities.size());
        assertArrayEquals(large, storedBody(0));
        assertArrayEquals(TICKET, storedBody(1));
    }

    @Test
    void theRouteReceivesTheBodyWithoutTheRequestsHeadersAndStillReadsTheOnesItKeeps() throws Exception {
        assertEquals(202, signed(TICKET).header("X-Forwarded-For", "203.0.113.7")
                .header("X-Webhook-Endpoint-Id", "ep_1").send(relay.port()).status());

        assertEquals(List.of(Set.of()), headersReceived, "no header copied from the request");
        InboxEnvelope stored = InboxEnvelope.parse(relay.inbox().get(storedBefore).envelope());
        assertEquals("ticket.updated", stored.fields().get(InboxEnvelope.WEBHOOK_NAME));
        assertEquals("ep_1", stored.fields().get(InboxEnvelope.ENDPOINT_ID));
    }

    private static RawHttp signed(byte[] body) {
        return RawHttp.request("POST", "/webhooks/tito").header("Content-Type", "application/json")
                .header("X-Webhook-Name", "ticket.updated")
                .header("Tito-Signature", TitoSignature.sign(TestRelay.TOKEN, body)).body(body);
    }
}
