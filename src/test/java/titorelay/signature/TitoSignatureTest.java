package titorelay.signature;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import titorelay.signature.TitoSignature.Outcome;
import titorelay.support.Samples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class TitoSignatureTest {

    private static final String KAT_TOKEN = "kat-token-2026";

    /**
     * Known answers, computed outside Java over the files in samples/ exactly as stored:
     * {@code openssl dgst -sha256 -hmac kat-token-2026 -binary < samples/NAME | base64}
     */
    private static final Map<String, String> KNOWN_ANSWERS = Map.of(
            "checkin.json", "futXUQG7DoGyc5A8ndwquj+AOX20PJbBb9l/AN9txrg=",
            "registration-2019.json", "/6xCRC9qCJ/KTANK+pyy64MchwssGD74buCFWLMwnHI=",
            "registration-v3.1.json", "73vtfft8yHe2yP1uDuzKBLKNlkxdXMX1t/UPmoshNH0=",
            "ticket-basic.json", "8mQHsF67cIh+uVei+5iyRaa8RClD/H579GnCzgfGWZ4=",
            "ticket-v3.1.json", "zJr68/T3C8skQG5UrnkIT7PmHTLOg4hUKNWP1RVHTls=",
            "ticket-with-answers.json", "X/VaYBseT14quWpHUZn47YI0lr++7t4pVmoJbuYL4js=");

    private final TitoSignature verifier = new TitoSignature(List.of(KAT_TOKEN));

    @Test
    void everySampleHasAKnownAnswer() {
        assertEquals(KNOWN_ANSWERS.keySet(), Samples.names().stream().collect(java.util.stream.Collectors.toSet()));
    }

    @ParameterizedTest
    @MethodSource("titorelay.support.Samples#names")
    void signsEverySampleAsOpensslDoes(String sample) {
        assertEquals(KNOWN_ANSWERS.get(sample), TitoSignature.sign(KAT_TOKEN, Samples.bytes(sample)));
    }

    @ParameterizedTest
    @MethodSource("titorelay.support.Samples#names")
    void verifiesEverySampleKnownAnswer(String sample) {
        assertEquals(Outcome.VALID, verifier.verify(Samples.bytes(sample), KNOWN_ANSWERS.get(sample)));
        // As Ruby's encode64 writes it, before Tito strips the newline.
        assertEquals(Outcome.VALID, verifier.verify(Samples.bytes(sample), KNOWN_ANSWERS.get(sample) + "\n"));
    }

    @Test
    void knownAnswerForAnEmptyBody() {
        assertEquals("+dRR3y07TJb5T3OXo70YS9Ifcje3xvSyLuBkrhlm3gs=", TitoSignature.sign(KAT_TOKEN, new byte[0]));
    }

    @Test
    void anyConfiguredTokenVerifies() {
        byte[] body = "{}".getBytes(StandardCharsets.UTF_8);
        TitoSignature twoEvents = new TitoSignature(List.of(KAT_TOKEN, "a-second-token"));
        assertEquals(Outcome.VALID, twoEvents.verify(body, "95jI2BdtLuczU2uPwY6U6D2CvyLICeUt1L75ak1Qk0M="));
        assertEquals(Outcome.VALID, twoEvents.verify(body, TitoSignature.sign(KAT_TOKEN, body)));
        assertEquals(Outcome.MISMATCH, verifier.verify(body, "95jI2BdtLuczU2uPwY6U6D2CvyLICeUt1L75ak1Qk0M="));
    }

    @Test
    void badSignatures() {
        byte[] body = Samples.bytes("ticket-basic.json");
        String good = KNOWN_ANSWERS.get("ticket-basic.json");
        byte[] goodBytes = Base64.getDecoder().decode(good);

        assertEquals(Outcome.MISSING, verifier.verify(body, null));
        assertEquals(Outcome.MISSING, verifier.verify(body, ""));
        assertEquals(Outcome.MISSING, verifier.verify(body, " \n"));
        assertEquals(Outcome.MISMATCH, verifier.verify(body, good.substring(0, 20)), "truncated");
        assertEquals(Outcome.MISMATCH, verifier.verify(body, good + "AAAA"), "extended");
        assertEquals(Outcome.MISMATCH, verifier.verify(body, "not base64 at all!"), "not base64");
        assertEquals(Outcome.MISMATCH, verifier.verify(body, HexFormat.of().formatHex(goodBytes)), "hex, not base64");
        assertEquals(Outcome.MISMATCH, verifier.verify(body, Base64.getUrlEncoder().encodeToString(goodBytes)
                .replace('+', '-').replace('/', '_') + "x"), "url-safe alphabet with junk");
        assertEquals(Outcome.MISMATCH, verifier.verify(body, TitoSignature.sign("another-token", body)), "wrong token");
        assertEquals(Outcome.MISMATCH, verifier.verify(Samples.bytes("checkin.json"), good), "signature of another body");
        byte[] reserialised = (new String(body, StandardCharsets.UTF_8).strip() + "\n\n").getBytes(StandardCharsets.UTF_8);
        assertEquals(Outcome.MISMATCH, verifier.verify(reserialised, good), "body changed by one newline");
        byte[] flipped = goodBytes.clone();
        flipped[31] ^= 1;
        assertEquals(Outcome.MISMATCH, verifier.verify(body, Base64.getEncoder().encodeToString(flipped)), "one bit off");
    }

    /** The webhook port's worker threads share one verifier; each keeps its own keyed Macs. */
    @Test
    void oneVerifierOnManyThreadsAnswersEachBodyRight() throws Exception {
        TitoSignature twoEvents = new TitoSignature(List.of("a-second-token", KAT_TOKEN));
        List<String> samples = List.copyOf(KNOWN_ANSWERS.keySet());
        ExecutorService threads = Executors.newFixedThreadPool(4);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                int thread = t;
                done.add(threads.submit(() -> {
                    for (int i = 0; i < 2_000; i++) {
                        String sample = samples.get((i + thread) % samples.size());
                        String other = samples.get((i + thread + 1) % samples.size());
                        assertEquals(Outcome.VALID, twoEvents.verify(Samples.bytes(sample), KNOWN_ANSWERS.get(sample)));
                        assertEquals(Outcome.MISMATCH, twoEvents.verify(Samples.bytes(sample),
                                KNOWN_ANSWERS.get(other)), sample + " with the signature of " + other);
                    }
                }));
            }
            for (Future<?> thread : done) {
                thread.get(60, TimeUnit.SECONDS); // a failed assertion fails the test with its own message
            }
        } finally {
            threads.shutdownNow();
        }
    }

    @Test
    void refusesToRunWithoutTokens() {
        assertThrows(IllegalArgumentException.class, () -> new TitoSignature(List.of()));
    }

    @Test
    void tokensAreParsedFromACommaSeparatedSetting() {
        assertEquals(List.of("a", "b c"), SecurityTokens.parse(" a, ,b c ,"));
        assertEquals(List.of(), SecurityTokens.parse("  "));
        assertEquals(List.of(), SecurityTokens.parse(null));
    }
}
