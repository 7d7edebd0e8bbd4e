package titorelay.durability;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import titorelay.signature.TitoSignature;
import titorelay.support.RawHttp;
import titorelay.support.RelayProcess;
import titorelay.support.Samples;
import titorelay.support.TestRelay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The relay as users start it, configured through the environment. */
class ConfigurationTest {

    @TempDir
    Path work;

    @Test
    void environmentVariablesOverrideApplicationProperties() throws Exception {
        int port = TestRelay.freePort();
        Path log = work.resolve("relay.log");
        List<String> command = RelayProcess.javaCommand();
        command.add("titorelay.RelayMain");
        ProcessBuilder builder = new ProcessBuilder(command)
                .directory(new File(System.getProperty("user.dir")))
                .redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().put("TITO_SECURITY_TOKENS", "env-token-a, env-token-b");
        builder.environment().put("CAMEL_SERVER_PORT", String.valueOf(port));
        builder.environment().put("CAMEL_MANAGEMENT_PORT", String.valueOf(TestRelay.freePort()));
        builder.environment().put("RELAY_DATA_DIR", work.resolve("data").toString());
        Process relay = builder.start();
        try {
            byte[] body = Samples.bytes("ticket-basic.json");
            RawHttp.Answer answer = null;
            int closedWithoutAnswer = 0;
            for (int i = 0; i < 300 && (answer == null || answer.status() == 404); i++) {
                try {
                    Thread.sleep(100); // until the relay listens and its ingress route has started
                    answer = RawHttp.request("POST", "/webhooks/tito").header("X-Webhook-Name", "ticket.updated")
                            .header("Tito-Signature", TitoSignature.sign("env-token-b", body)).body(body).send(port);
                } catch (java.io.IOException notListeningYet) {
                    answer = null;
                } catch (IllegalStateException noAnswer) {
                    // Seen once in a full suite on two loaded cores, 1.3 s after the start: a connection accepted and
                    // closed without a word while the relay was starting (Tito sends again). Not yet ready, as 404.
                    answer = null;
                    closedWithoutAnswer++;
                }
            }
            assertNotNull(answer, "no answer in 30 s (" + closedWithoutAnswer + " connection(s) closed without one): "
                                  + Files.readString(log, StandardCharsets.UTF_8));
            assertEquals(202, answer.status(), "signed with the second token from the environment: " + answer.raw());
            assertFalse(Files.exists(work.resolve("data").resolve("tito-security-token")),
                    "no token is generated when one is configured");
            String output = Files.readString(log, StandardCharsets.UTF_8);
            assertTrue(output.contains("2 configured security token(s)"), output);
            assertFalse(output.contains("env-token-a") || output.contains("env-token-b"), "tokens are never logged");
        } finally {
            relay.destroy();
            relay.waitFor(30, TimeUnit.SECONDS);
        }
    }
}
