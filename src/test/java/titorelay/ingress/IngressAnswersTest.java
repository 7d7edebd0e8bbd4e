package titorelay.ingress;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import titorelay.inbox.InboxEnvelope;
import titorelay.inbox.StoredDelivery;
import titorelay.signature.TitoSignature;
import titorelay.support.RawHttp;
import titorelay.support.Samples;
import titorelay.support.TestRelay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static titorelay.support.TestRelay.SECOND_TOKEN;
import static titorelay.support.TestRelay.TOKEN;

/**
 * Every HTTP answer of the design's table, through the real ingress route. Dispatch is switched off, so anything the
 * relay stored stays waiting in the inbox journal: a refused request must add nothing, an accepted one exactly one
 * delivery.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class IngressAnswersTest {

    private static final String PATH = "/webhooks/tito";
    private static final int MAX_BODY = 1_048_576;
    private static final byte[] TICKET = Samples.bytes("ticket-basic.json");
    private static final String ECHO_PROBE = "echo-probe-7f3a";

    private TestRelay relay;

    @BeforeAll
    void startRelay() throws Exception {
        // Every commit to the inbox journal in a segment of its own, so that a journal that cannot be written shows
        // at the next webhook.
        relay = TestRelay.start(Files.createTempDirectory("ingress-answers"), Map.of("relay.dispatch.auto-start", "false",
                "relay.inbox.journal-segment-bytes", "1", "camel.health.exposure-level", "full"));
    }

    @AfterAll
    void stopRelay() throws Exception {
        relay.close();
    }

    /** How many deliveries earlier tests left waiting in the inbox journal (dispatch is off). */
    private int storedBefore;

    @BeforeEach
    void noteWhatIsStored() {
        storedBefore = relay.inbox().size();
    }

    /** What this test stored. */
    private List<StoredDelivery> stored() {
        List<StoredDelivery> all = relay.inbox();
        return all.subList(storedBefore, all.size());
    }

    /** A signed POST of the given body, as Tito sends it; each case changes one thing. */
    private static RawHttp tito(String name, byte[] body) {
        RawHttp request = RawHttp.request("POST", PATH).header("Content-Type", "application/json");
        if (name != null) {
            request.header("X-Webhook-Name", name);
        }
        return request.header("Tito-Signature", TitoSignature.sign(TOKEN, body)).header("X-Echo-Probe", ECHO_PROBE).body(body);
    }

    private static RawHttp unsigned(byte[] body) {
        return RawHttp.request("POST", PATH).header("Content-Type", "application/json")
                .header("X-Webhook-Name", "ticket.updated").header("X-Echo-Probe", ECHO_PROBE).body(body);
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static Arguments refused(String label, int status, RawHttp request) {
        return Arguments.of(label, status, request);
    }

    static Stream<Arguments> refusedRequests() {
        String good = TitoSignature.sign(TOKEN, TICKET);
        byte[] nested = utf8("{\"a\":" + "[".repeat(5000) + "]".repeat(5000) + "}");
        byte[] overLimit = jsonOfSize(MAX_BODY + 1);
        List<Arguments> cases = new ArrayList<>(List.of(
                // 401: signature
                refused("no Tito-Signature", 401, unsigned(TICKET)),
                refused("empty Tito-Signature", 401, unsigned(TICKET).header("Tito-Signature", "")),
                refused("blank Tito-Signature", 401, unsigned(TICKET).header("Tito-Signature", "   ")),
                refused("truncated signature", 401, unsigned(TICKET).header("Tito-Signature", good.substring(0, 30))),
                refused("signature with extra characters", 401, unsigned(TICKET).header("Tito-Signature", good + "QQ==")),
                refused("signature made with another token", 401,
                        unsigned(TICKET).header("Tito-Signature", TitoSignature.sign("not-our-token", TICKET))),
                refused("signature of another body", 401,
                        unsigned(TICKET).header("Tito-Signature", TitoSignature.sign(TOKEN, Samples.bytes("checkin.json")))),
                refused("signature not in base64", 401, unsigned(TICKET).header("Tito-Signature", "sha256=" + good)),
                refused("token sent instead of a signature", 401, unsigned(TICKET).header("Tito-Signature", TOKEN)),
                refused("signature only in the query string", 401,
                        RawHttp.request("POST", PATH + "?Tito-Signature=" + good.replace("+", "%2B").replace("/", "%2F")
                                                .replace("=", "%3D"))
                                .header("Content-Type", "application/json").header("X-Webhook-Name", "ticket.updated")
                                .header("X-Echo-Probe", ECHO_PROBE).body(TICKET)),
                refused("body changed after signing", 401,
                        unsigned(utf8(new String(TICKET, StandardCharsets.UTF_8) + " ")).header("Tito-Signature", good)),
                // 400: what the body or name is
                refused("body of 0 bytes", 400, tito("ticket.updated", new byte[0])),
                refused("body not JSON", 400, tito("ticket.updated", utf8("ticket=1i5nfwf2t"))),
                refused("body a JSON array", 400, tito("ticket.updated", utf8("[{\"id\":1}]"))),
                refused("body a JSON string", 400, tito("ticket.updated", utf8("\"ticket\""))),
                refused("body JSON null", 400, tito("ticket.updated", utf8("null"))),
                refused("body invalid UTF-8", 400, tito("ticket.updated", invalidUtf8())),
                refused("body deeply nested JSON", 400, tito("ticket.updated", nested)),
                refused("body truncated JSON", 400, tito("ticket.updated", Arrays.copyOf(TICKET, TICKET.length / 2))),
                refused("body with data after the object", 400, tito("ticket.updated", utf8("{\"id\":1}{\"id\":2}"))),
                refused("body with a duplicated key", 400, tito("ticket.updated", utf8("{\"state_name\":\"complete\",\"state_name\":\"void\"}"))),
                refused("no X-Webhook-Name", 400, tito(null, TICKET)),
                refused("empty X-Webhook-Name", 400, tito("", TICKET)),
                refused("X-Webhook-Name only in the query string", 400,
                        RawHttp.request("POST", PATH + "?X-Webhook-Name=ticket.updated")
                                .header("Content-Type", "application/json").header("Tito-Signature", good)
                                .header("X-Echo-Probe", ECHO_PROBE).body(TICKET)),
                refused("X-Webhook-Name with a path in it", 400, tito("../../inbox/ticket.updated", TICKET)),
                refused("X-Webhook-Name with a newline escape", 400, tito("ticket.updated%0AFailure: x", TICKET)),
                // 405, 413, 415: decided before the body is read
                refused("GET", 405, RawHttp.request("GET", PATH)),
                refused("PUT", 405, RawHttp.request("PUT", PATH).header("Content-Type", "application/json")
                        .header("X-Webhook-Name", "ticket.updated").header("Tito-Signature", good)
                        .header("X-Echo-Probe", ECHO_PROBE).body(TICKET)),
                refused("DELETE", 405, RawHttp.request("DELETE", PATH)),
                refused("body one byte over the limit", 413, tito("ticket.updated", overLimit)),
                refused("chunked body over the limit", 413, tito("ticket.updated", overLimit).chunked()),
                refused("form-encoded", 415, RawHttp.request("POST", PATH)
                        .header("Content-Type", "application/x-www-form-urlencoded")
                        .header("X-Webhook-Name", "ticket.updated")
                        .header("Tito-Signature", TitoSignature.sign(TOKEN, utf8("payload=%7B%7D")))
                        .body(utf8("payload=%7B%7D"))),
                refused("form-encoded with undecodable body", 415, RawHttp.request("POST", PATH)
                        .header("Content-Type", "application/x-www-form-urlencoded; charset=utf-8").body(TICKET)),
                refused("form-encoded, in other case after white space", 415, RawHttp.request("POST", PATH)
                        .header("Content-Type", " \tApplication/X-WWW-Form-URLencoded").body(TICKET)),
                refused("multipart in capitals", 415, RawHttp.request("POST", PATH)
                        .header("Content-Type", "MULTIPART/FORM-DATA; boundary=XyZ").body(TICKET)),
                refused("multipart", 415, RawHttp.request("POST", PATH)
                        .header("Content-Type", "multipart/form-data; boundary=XyZ")
                        .body(utf8("--XyZ\r\nContent-Disposition: form-data; name=\"f\"; filename=\"a.json\"\r\n\r\n{}\r\n--XyZ--\r\n")))));
        return cases.stream();
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @MethodSource("refusedRequests")
    void refusedRequestsGetTheirAnswerAndLeaveNoTrace(String label, int status, RawHttp request) throws Exception {
        RawHttp.Answer answer = request.send(relay.port());

        assertEquals(status, answer.status(), label + ": " + answer.raw());
        assertTrue(answer.body().startsWith("{\"error\":\""), "a JSON error that says why: " + answer.body());
        assertFalse(answer.raw().contains(ECHO_PROBE), "the answer must not echo request headers");
        assertFalse(answer.raw().contains(TOKEN), "the answer must never contain a token");
        assertEquals(List.of(), stored(), "nothing may be stored for a refused request");
        if (status == 405) {
            assertEquals("POST", answer.header("Allow"));
        }
    }

    static Stream<Arguments> acceptedRequests() {
        String good = TitoSignature.sign(TOKEN, TICKET);
        Function<String, RawHttp> withSignatureHeader = headerLine -> RawHttp.request("POST", PATH)
                .header("Content-Type", "application/json").header("X-Webhook-Name", "ticket.updated")
                .rawHeaderLine(headerLine).body(TICKET);
        return Stream.of(
                Arguments.of("as Tito sends it", "ticket.updated", tito("ticket.updated", TICKET)),
                Arguments.of("signature with trailing white space", "ticket.updated",
                        withSignatureHeader.apply("Tito-Signature: " + good + " \t")),
                Arguments.of("header names in other case", "ticket.updated", RawHttp.request("POST", PATH)
                        .header("content-type", "application/json").header("x-webhook-name", "ticket.updated")
                        .header("TITO-SIGNATURE", good).body(TICKET)),
                Arguments.of("signed with the second token", "ticket.updated", RawHttp.request("POST", PATH)
                        .header("Content-Type", "application/json").header("X-Webhook-Name", "ticket.updated")
                        .header("Tito-Signature", TitoSignature.sign(SECOND_TOKEN, TICKET)).body(TICKET)),
                Arguments.of("no content type", "ticket.updated", RawHttp.request("POST", PATH)
                        .header("X-Webhook-Name", "ticket.updated").header("Tito-Signature", good).body(TICKET)),
                Arguments.of("a query X-Webhook-Name does not steer routing", "ticket.updated",
                        RawHttp.request("POST", PATH + "?X-Webhook-Name=ticket.voided")
                                .header("Content-Type", "application/json").header("X-Webhook-Name", "ticket.updated").header("Tito-Signature", good).body(TICKET)),
                Arguments.of("body exactly at the limit", "ticket.updated", tito("ticket.updated", jsonOfSize(MAX_BODY))),
                Arguments.of("unknown webhook name", "ticket.teleported", tito("ticket.teleported", TICKET)),
                Arguments.of("compact JSON", "checkin.created",
                        tito("checkin.created", utf8("{\"slug\":\"ti_x\",\"reference\":\"FITD-1\",\"checked_in_at\":\"2019-08-16T14:14:21.000Z\"}"))));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("acceptedRequests")
    void acceptedRequestsAreStoredOnceWithTheirName(String label, String storedName, RawHttp request) throws Exception {
        RawHttp.Answer answer = request.send(relay.port());

        assertEquals(202, answer.status(), label + ": " + answer.raw());
        assertEquals("{\"status\":\"stored\"}", answer.body());
        assertFalse(answer.raw().contains(ECHO_PROBE), "the answer must not echo request headers");
        List<StoredDelivery> stored = stored();
        assertEquals(1, stored.size(), "exactly one delivery stored");
        InboxEnvelope envelope = stored.get(0).open();
        assertEquals(storedName, envelope.field(InboxEnvelope.WEBHOOK_NAME));
        assertTrue(envelope.field(InboxEnvelope.RECEIVED_AT).endsWith("Z"));
        assertTrue(stored.get(0).name().endsWith("-" + storedName + ".webhook"));
    }

    @ParameterizedTest
    @MethodSource("titorelay.support.Samples#names")
    void everyReferencePayloadIsStoredByteForByte(String sample) throws Exception {
        byte[] body = Samples.bytes(sample);
        assertEquals(202, relay.send(Samples.webhookName(sample), body).status());

        List<StoredDelivery> stored = stored();
        assertEquals(1, stored.size());
        assertTrue(Arrays.equals(body, stored.get(0).open().body()),
                "the inbox keeps the exact bytes the signature was made over");
    }

    @Test
    void aRawNewlineInASignatureHeaderIsRefusedByTheHttpParser() throws Exception {
        // Tito strips encode64's trailing newline; one that arrived anyway would end the header line, which HTTP
        // forbids. (The verifier itself ignores surrounding white space: see TitoSignatureTest.)
        RawHttp.Answer answer = RawHttp.request("POST", PATH).header("X-Webhook-Name", "ticket.updated")
                .rawHeaderLine("Tito-Signature: " + TitoSignature.sign(TOKEN, TICKET) + "\n").body(TICKET)
                .send(relay.port());
        assertEquals(400, answer.status());
        assertEquals(List.of(), stored());
    }

    @Test
    void refusalsAreCountedByReason() throws Exception {
        double before = relay.counter("tito_webhooks_rejected_total", "reason=\"signature-missing\"");
        unsigned(TICKET).send(relay.port());
        assertEquals(before + 1, relay.counter("tito_webhooks_rejected_total", "reason=\"signature-missing\""));

        double methodBefore = relay.counter("tito_webhooks_rejected_total", "reason=\"method\"");
        RawHttp.request("GET", PATH).send(relay.port());
        assertEquals(methodBefore + 1, relay.counter("tito_webhooks_rejected_total", "reason=\"method\""));
    }

    @Test
    void answers503WhileTheInboxJournalCannotStoreAndRecoversByItself() throws Exception {
        Path journal = relay.dataDir().resolve("inbox-journal");
        Path moved = relay.dataDir().resolve("inbox-journal-moved-away");
        Files.move(journal, moved);
        Files.writeString(journal, "not a directory"); // even root cannot write into this
        try {
            RawHttp.Answer answer = relay.send("ticket.updated", TICKET);
            assertEquals(503, answer.status(), answer.raw());
            assertEquals("30", answer.header("Retry-After"));
        } finally {
            Files.delete(journal);
            Files.move(moved, journal);
        }
        assertEquals(List.of(), stored(), "a webhook answered 503 is not in the inbox");
        assertEquals(202, relay.send("ticket.updated", TICKET).status());
        assertEquals(1, stored().size());
    }

    private String uncheckedHealth() {
        try {
            return relay.health();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] jsonOfSize(int size) {
        String prefix = "{\"id\":1,\"padding\":\"";
        String suffix = "\"}";
        return utf8(prefix + "x".repeat(size - prefix.length() - suffix.length()) + suffix);
    }

    private static byte[] invalidUtf8() {
        byte[] start = utf8("{\"name\":\"Peter ");
        byte[] end = utf8("\"}");
        byte[] body = Arrays.copyOf(start, start.length + 2 + end.length);
        body[start.length] = (byte) 0xC3; // a lead byte ...
        body[start.length + 1] = (byte) 0x28; // ... followed by a byte that cannot continue it
        System.arraycopy(end, 0, body, start.length + 2, end.length);
        return body;
    }
}
