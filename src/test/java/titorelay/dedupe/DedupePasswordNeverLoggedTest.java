package titorelay.dedupe;

import java.io.File;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import titorelay.signature.TitoSignature;
import titorelay.support.RawHttp;
import titorelay.support.Tickets;
import titorelay.support.RelayProcess;
import titorelay.support.TestRelay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The dedupe database's password, given in the environment as an operator does, appears in no line the relay prints:
 * not in Camel's start-up summary, not when the password is wrong, not when the server cannot be reached.
 */
class DedupePasswordNeverLoggedTest {

    private static final String WRONG_PASSWORD = "Wr0ng-Dd-pa55-71e0";

    @TempDir
    Path work;

    @RegisterExtension
    final DatabaseServer database = new DatabaseServer();

    @Test
    void theRightPasswordDedupesAndIsNotLogged() throws Exception {
        int port = TestRelay.freePort();
        int managementPort = TestRelay.freePort();
        Process relay = start(database.url, DatabaseServer.PASSWORD, port, managementPort, "right");
        try {
            awaitHealthy(relay, managementPort);
            byte[] body = Tickets.ticket("ti_logged", "complete", "Logged Person", "2022-03-26 08:00:00 UTC");
            RawHttp.Answer answer = RawHttp.request("POST", "/webhooks/tito").header("X-Webhook-Name", "ticket.updated")
                    .header("Tito-Signature", TitoSignature.sign(TestRelay.TOKEN, body)).body(body).send(port);
            assertEquals(202, answer.status(), answer.raw());
            TestRelay.await("the delivery recorded in the database server", java.time.Duration.ofSeconds(20),
                    () -> database.dispatchedKeys().size() == 1);
        } finally {
            relay.destroy();
            assertTrue(relay.waitFor(30, TimeUnit.SECONDS));
        }
        String log = log("right");
        assertTrue(log.contains("camel.main.additionalSensitiveKeywords"), "Camel printed its summary: " + log);
        assertFalse(log.contains(DatabaseServer.PASSWORD), log);
    }

    @Test
    void aWrongPasswordStopsTheStartWithoutShowingIt() throws Exception {
        String log = failedStart(database.url, WRONG_PASSWORD, "wrong");
        assertTrue(log.contains("Cannot connect to the dedupe database jdbc:h2… as user 'relay'"), log);
        assertTrue(log.contains("Wrong user name or password"), log);
        assertFalse(log.contains(WRONG_PASSWORD), log);
    }

    @Test
    void anUnreachableServerStopsTheStartWithoutShowingThePassword() throws Exception {
        String unreachable = "jdbc:h2:tcp://127.0.0.1:" + TestRelay.freePort() + "/dedupe";
        String log = failedStart(unreachable, DatabaseServer.PASSWORD, "unreachable");
        assertTrue(log.contains("Cannot connect to the dedupe database jdbc:h2… as user 'relay'"), log);
        assertTrue(log.contains("Connection refused"), log);
        assertFalse(log.contains(DatabaseServer.PASSWORD), log);
    }

    @Test
    void aPasswordInTheUrlIsRefusedWithoutShowingIt() throws Exception {
        String log = failedStart(database.url + ";PASSWORD=" + WRONG_PASSWORD, "", "in-url");
        assertTrue(log.contains("relay.dedupe.jdbc-url must not contain a password"), log);
        assertFalse(log.contains(WRONG_PASSWORD), log);
    }

    private String failedStart(String jdbcUrl, String password, String name) throws Exception {
        Process relay = start(jdbcUrl, password, TestRelay.freePort(), TestRelay.freePort(), name);
        try {
            assertTrue(relay.waitFor(60, TimeUnit.SECONDS), "the relay gives up starting");
            assertNotEquals(0, relay.exitValue(), "a supervisor sees the failure");
        } finally {
            relay.destroyForcibly();
        }
        return log(name);
    }

    /** The relay as an operator starts it, the password in the environment. */
    private Process start(String jdbcUrl, String password, int port, int managementPort, String name) throws Exception {
        List<String> command = RelayProcess.javaCommand();
        command.addAll(List.of(
                "-Dcamel.server.port=" + port,
                "-Dcamel.management.port=" + managementPort,
                "-Drelay.data-dir=" + work.resolve("data-" + name),
                "-Dtito.security-tokens=" + TestRelay.TOKEN,
                "-Dcamel.main.routes-reload-enabled=false",
                "-Drelay.dedupe.jdbc-url=" + jdbcUrl,
                "-Drelay.dedupe.jdbc-user=" + DatabaseServer.USER,
                "titorelay.RelayMain"));
        ProcessBuilder builder = new ProcessBuilder(command).directory(new File(System.getProperty("user.dir")))
                .redirectErrorStream(true).redirectOutput(work.resolve(name + ".log").toFile());
        builder.environment().put("RELAY_DEDUPE_JDBC_PASSWORD", password);
        return builder.start();
    }

    private String log(String name) throws Exception {
        return Files.readString(work.resolve(name + ".log"), StandardCharsets.UTF_8);
    }

    private void awaitHealthy(Process relay, int managementPort) throws Exception {
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            assertTrue(relay.isAlive(), "the relay exited during start-up");
            try {
                HttpResponse<String> health = client.send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + managementPort + "/observe/health")).build(),
                        HttpResponse.BodyHandlers.ofString());
                if (health.statusCode() == 200) {
                    return;
                }
            } catch (java.io.IOException notYet) {
                // still starting
            }
            Thread.sleep(100);
        }
        throw new AssertionError("the relay did not become healthy");
    }
}
