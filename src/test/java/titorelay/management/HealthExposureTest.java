package titorelay.management;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import titorelay.sheets.SheetsEmulator;
import titorelay.support.TestRelay;
import titorelay.support.Tickets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static titorelay.support.TestRelay.await;

/**
 * What anyone who reaches the management port learns from /observe/health by default: UP (200) or DOWN (503), which
 * a load balancer needs, and nothing else, whatever the query asks for. Details only where the operator sets
 * camel.health.exposure-level=full.
 */
class HealthExposureTest {

    private static final String SPREADSHEET = "sheet-id-7HqPrivate";
    private static final List<String> ASKING_FOR_MORE = List.of("/observe/health",
            "/observe/health?exposureLevel=full&data=true&stackTrace=true",
            "/observe/health?exposureLevel=default", "/observe/health/ready?exposureLevel=full&data=true",
            "/observe/health/live?exposureLevel=full&data=true&stackTrace=true");

    @TempDir
    Path work;

    private SheetsEmulator google;

    @AfterEach
    void stopEmulator() {
        if (google != null) {
            google.close();
        }
    }

    @Test
    void byDefaultAHealthyRelaySaysUpAndNoPath() throws Exception {
        try (TestRelay relay = awaitUp(TestRelay.start(work.resolve("data")))) {
            for (String path : ASKING_FOR_MORE) {
                assertEquals(new Answer(200, "{\"status\":\"UP\"}"), get(relay, path), path);
            }
        }
    }

    @Test
    void byDefaultAFailingSpreadsheetSaysDownAndNotWhichOne() throws Exception {
        try (TestRelay relay = startWithGoogle(Map.of())) {
            google.denyAccess(SPREADSHEET, true);
            relay.send("ticket.updated", Tickets.ticket("ti_denied", "complete", "Denied Person", "2022-03-26 08:00:00 UTC"));
            await("health DOWN", Duration.ofSeconds(20), () -> get(relay, "/observe/health").status() == 503);
            for (String path : ASKING_FOR_MORE) {
                Answer answer = get(relay, path);
                if (!path.startsWith("/observe/health/live")) {
                    assertEquals(new Answer(503, "{\"status\":\"DOWN\"}"), answer, path);
                }
                assertTrue(!answer.body().contains(SPREADSHEET) && !answer.body().contains(work.toString()), answer.body());
            }
        }
    }

    @Test
    void anOperatorWhoSetsFullSeesTheDetails() throws Exception {
        try (TestRelay relay = startWithGoogle(Map.of("camel.health.exposure-level", "full"))) {
            google.denyAccess(SPREADSHEET, true);
            relay.send("ticket.updated", Tickets.ticket("ti_denied", "complete", "Denied Person", "2022-03-26 08:00:00 UTC"));
            await("the spreadsheet's problem", Duration.ofSeconds(20),
                    () -> get(relay, "/observe/health").body().contains("share it"));
            assertTrue(get(relay, "/observe/health?data=true").body().contains(SPREADSHEET));
        }
    }

    private TestRelay startWithGoogle(Map<String, String> more) throws Exception {
        google = SheetsEmulator.start();
        google.createSpreadsheet(SPREADSHEET);
        Map<String, String> settings = new HashMap<>(Map.of("sheets.spreadsheet-id", SPREADSHEET,
                "sheets.root-url", google.rootUrl(), "sheets.access-token", "emulator-access-token",
                "sheets.timeout-ms", "1000", "sheets.max-backoff-ms", "2000"));
        settings.putAll(more);
        return awaitUp(TestRelay.start(work.resolve("data"), settings));
    }

    /** Camel's own check of the inbox consumer is DOWN until its first poll. */
    private static TestRelay awaitUp(TestRelay relay) throws InterruptedException {
        await("health UP once every consumer has polled", Duration.ofSeconds(20),
                () -> get(relay, "/observe/health").status() == 200);
        return relay;
    }

    private record Answer(int status, String body) {
    }

    private static Answer get(TestRelay relay, String path) {
        try {
            HttpResponse<String> response = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build().send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + relay.managementPort() + path)).build(),
                    HttpResponse.BodyHandlers.ofString());
            return new Answer(response.statusCode(), response.body());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
