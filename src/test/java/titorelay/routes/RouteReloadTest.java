package titorelay.routes;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.apache.camel.Route;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import titorelay.support.RouteSteps;
import titorelay.support.Samples;
import titorelay.support.TestRelay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Users edit routes/*.yaml while the relay runs; the change takes effect without a restart. */
class RouteReloadTest {

    @TempDir
    Path work;

    @Test
    void anEditedRouteFileChangesWhatTheRunningRelayDoes() throws Exception {
        Path routes = TestRelay.copyOf(Path.of("routes"), work.resolve("routes"));
        Map<String, String> useCopies = reloadedFrom(routes);
        byte[] ticket = Samples.bytes("ticket-basic.json");

        try (TestRelay relay = TestRelay.start(work.resolve("data"), useCopies)) {
            var contextBefore = relay.camelContext();
            assertEquals("{\"status\":\"stored\"}", relay.send("ticket.updated", ticket).body());

            Path ingress = routes.resolve("ingress.yaml");
            String edited = Files.readString(ingress)
                    .replace("'{\"status\":\"stored\"}'", "'{\"status\":\"stored\",\"relay\":\"edited\"}'");
            assertTrue(!edited.equals(Files.readString(ingress)), "the edit must change the file");
            Files.writeString(ingress, edited);

            TestRelay.await("the edited answer", Duration.ofSeconds(30), () -> {
                try {
                    var answer = relay.send("ticket.updated", ticket);
                    return answer.status() == 202 && answer.body().contains("edited");
                } catch (Exception reloading) {
                    return false;
                }
            });
            assertSame(contextBefore, relay.camelContext(), "same running relay, no restart");
            assertEquals(202, relay.send("ticket.updated", ticket).status());
        }
    }

    @Test
    void aReloadLeavesTheWebhookPortLimitsAsTheyWere() throws Exception {
        Path routes = TestRelay.copyOf(Path.of("routes"), work.resolve("routes"));
        Map<String, String> oneRequestAtATime = Map.of(
                "camel.main.routes-include-pattern", "file:" + routes + "/*.yaml",
                "camel.main.routes-reload-directory", routes.toString(),
                "tito.max-requests-in-flight", "1");
        try (TestRelay relay = TestRelay.start(work.resolve("data"), oneRequestAtATime)) {
            assertEquals(202, relay.send("ticket.updated", Samples.bytes("ticket-basic.json")).status());

            // Any saved edit reloads the file; a comment changes nothing else.
            saveAgainAndAwaitReload(relay, routes.resolve("routing.yaml"), "route-by-name");

            // The one request allowed in flight is this one: the reload added no second guard taking a second place.
            assertEquals(202, relay.send("ticket.updated", Samples.bytes("ticket-v3.1.json")).status());
            assertEquals(0, relay.counter("tito_webhooks_rejected_total", "reason=\"busy\""));
        }
    }

    @Test
    void aReloadedDispatchRunsTheLogsStepsOutsideItsDeadLetterChannelAsAtStart() throws Exception {
        Path routes = TestRelay.copyOf(Path.of("routes"), work.resolve("routes"));
        try (TestRelay relay = TestRelay.start(work.resolve("data"), reloadedFrom(routes))) {
            assertEquals(List.of(), wrappedLogSteps(relay), "at start");
            saveAgainAndAwaitReload(relay, routes.resolve("dispatch.yaml"), "dispatch");

            List<RouteSteps.Step> logSteps = RouteSteps.of(relay.camelContext(), "dispatch").stream()
                    .filter(step -> step.name() != null && step.name().startsWith("deliveryLog")).toList();
            assertTrue(logSteps.size() >= 2, "the log's steps of dispatch.yaml: " + logSteps);
            assertEquals(List.of(), wrappedLogSteps(relay), "after the reload");
            assertEquals(202, relay.send("ticket.updated", Samples.bytes("ticket-basic.json")).status());
        }
    }

    @Test
    void aReloadedRouteKeepsCountingItsExchangesOnTheSameSeries() throws Exception {
        Path routes = TestRelay.copyOf(Path.of("routes"), work.resolve("routes"));
        try (TestRelay relay = TestRelay.start(work.resolve("data"), reloadedFrom(routes))) {
            assertEquals(202, relay.send("ticket.updated", Samples.bytes("ticket-basic.json")).status());
            TestRelay.await("the first delivery counted", Duration.ofSeconds(20), () -> TestRelay.uncheck(
                    () -> relay.counter("camel_exchanges_total", "routeId=\"spreadsheet\"") == 1));
            saveAgainAndAwaitReload(relay, routes.resolve("spreadsheet.yaml"), "spreadsheet");

            assertEquals(202, relay.send("ticket.updated", Samples.bytes("ticket-v3.1.json")).status());
            TestRelay.await("the second delivery counted", Duration.ofSeconds(20), () -> TestRelay.uncheck(
                    () -> relay.counter("camel_exchanges_succeeded_total", "routeId=\"spreadsheet\"") == 2));
            assertEquals(2, relay.counter("camel_exchanges_total", "routeId=\"spreadsheet\""), "one series, counting on");
        }
    }

    /** Saves the route file again (a comment added), and waits until the route {@code routeId} of it was replaced. */
    private static void saveAgainAndAwaitReload(TestRelay relay, Path file, String routeId) throws Exception {
        Route before = relay.camelContext().getRoute(routeId);
        Files.writeString(file, Files.readString(file) + "\n# saved again by the test\n");
        TestRelay.await(file.getFileName() + " to be reloaded", Duration.ofSeconds(30), () -> {
            Route now = relay.camelContext().getRoute(routeId);
            return now != null && now != before;
        });
    }

    /** Settings that run the routes of {@code routes} (the real files, copied so that a test can edit them). */
    private static Map<String, String> reloadedFrom(Path routes) {
        return Map.of("camel.main.routes-include-pattern", "file:" + routes + "/*.yaml",
                "camel.main.routes-reload-directory", routes.toString());
    }

    private static List<String> wrappedLogSteps(TestRelay relay) {
        return RouteSteps.of(relay.camelContext(), "dispatch").stream()
                .filter(step -> step.name() != null && step.name().startsWith("deliveryLog"))
                .filter(RouteSteps.Step::wrappedInErrorHandler).map(RouteSteps.Step::name).toList();
    }
}
