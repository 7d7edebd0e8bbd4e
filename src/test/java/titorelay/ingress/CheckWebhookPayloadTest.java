package titorelay.ingress;

import java.nio.charset.StandardCharsets;
import java.util.stream.Stream;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import titorelay.support.Samples;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The body check after the signature: one well-formed JSON object in UTF-8, no key twice in any object. */
class CheckWebhookPayloadTest {

    static Stream<Arguments> accepted() {
        return Stream.of(
                Arguments.of("the same key in two sibling objects", "{\"a\":{\"id\":1},\"b\":{\"id\":2}}"),
                Arguments.of("the same key at two depths", "{\"id\":1,\"event\":{\"id\":2,\"x\":{\"id\":3}}}"),
                Arguments.of("the same key in each object of a list", "{\"tickets\":[{\"slug\":\"a\"},{\"slug\":\"b\"}]}"),
                Arguments.of("a key again after its object closed", "{\"x\":{\"k\":1,\"y\":{\"k\":2}},\"k\":3}"),
                Arguments.of("many keys", "{" + String.join(",", Stream.iterate(0, i -> i + 1).limit(200)
                        .map(i -> "\"k" + i + "\":" + i).toList()) + "}"),
                Arguments.of("text in several scripts", "{\"name\":\"Zoë Ωmega 名前 😀\"}"),
                Arguments.of("a long text", "{\"note\":\"" + "é".repeat(20_000) + "\"}"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("accepted")
    void accepted(String label, String body) {
        assertDoesNotThrow(() -> CheckWebhookPayload.checkJsonObject(body.getBytes(StandardCharsets.UTF_8)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("titorelay.support.Samples#names")
    void everyReferencePayloadIsAccepted(String sample) {
        assertDoesNotThrow(() -> CheckWebhookPayload.checkJsonObject(Samples.bytes(sample)));
    }

    static Stream<Arguments> refused() {
        return Stream.of(
                Arguments.of("a key twice at the top", utf8("{\"state_name\":\"complete\",\"state_name\":\"void\"}"), "body-not-json"),
                Arguments.of("a key twice in a nested object", utf8("{\"event\":{\"slug\":\"a\",\"title\":\"t\",\"slug\":\"b\"}}"), "body-not-json"),
                Arguments.of("a key twice in an object of a list", utf8("{\"tickets\":[{\"slug\":\"a\"},{\"slug\":\"b\",\"slug\":\"c\"}]}"), "body-not-json"),
                Arguments.of("a key twice after a nested object", utf8("{\"k\":1,\"x\":{\"k\":2},\"k\":3}"), "body-not-json"),
                Arguments.of("the first of 300 keys again at the end", utf8("{" + String.join(",", Stream.iterate(0, i -> i + 1)
                        .limit(300).map(i -> "\"k" + i + "\":" + i).toList()) + ",\"k0\":0}"), "body-not-json"),
                Arguments.of("an object left open", utf8("{\"a\":{\"b\":1}"), "body-not-json"),
                Arguments.of("data after the object", utf8("{\"a\":1} {\"b\":2}"), "body-not-json"),
                Arguments.of("a list", utf8("[{\"a\":1}]"), "body-not-object"),
                Arguments.of("a byte that starts no UTF-8 character", new byte[] {'{', '"', 'a', '"', ':', '"', (byte) 0xff, '"', '}'}, "body-not-utf8"),
                Arguments.of("an overlong UTF-8 encoding", new byte[] {'{', '"', 'a', '"', ':', '"', (byte) 0xc0, (byte) 0xaf, '"', '}'}, "body-not-utf8"),
                Arguments.of("a character cut off at the end", concat(utf8("{\"a\":\"" + "x".repeat(9000)), new byte[] {(byte) 0xe2, (byte) 0x82}), "body-not-utf8"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("refused")
    void refused(String label, byte[] body, String reason) {
        RejectedWebhook refused = assertThrows(RejectedWebhook.class, () -> CheckWebhookPayload.checkJsonObject(body));
        assertEquals(400, refused.getStatus());
        assertEquals(reason, refused.getReason());
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] concat(byte[] first, byte[] second) {
        byte[] both = new byte[first.length + second.length];
        System.arraycopy(first, 0, both, 0, first.length);
        System.arraycopy(second, 0, both, first.length, second.length);
        return both;
    }

    @org.junit.jupiter.api.Test
    void whatAnEarlierBodyHadOnTheSameThreadIsForgotten() {
        // 3,000 keys: more than the table kept for the next body holds.
        String many = "{" + String.join(",", Stream.iterate(0, i -> i + 1).limit(3000).map(i -> "\"k" + i + "\":" + i).toList());
        assertThrows(RejectedWebhook.class, () -> CheckWebhookPayload.checkJsonObject(utf8(many + ",\"k7\":7}")));
        assertThrows(RejectedWebhook.class, () -> CheckWebhookPayload.checkJsonObject(utf8("{\"event\":{\"k1\":1,\"k1\":2}}")));
        // The same keys again, each once: accepted, nothing is left over from the refused bodies.
        assertDoesNotThrow(() -> CheckWebhookPayload.checkJsonObject(utf8(many + "}")));
        assertDoesNotThrow(() -> CheckWebhookPayload.checkJsonObject(utf8("{\"event\":{\"k1\":1,\"k7\":2}}")));
    }
}
