package titorelay.routes;

import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.apache.camel.Route;
import org.apache.camel.support.RouteWatcherReloadStrategy;
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
            RouteWatcherReloadStrategy reloader = relay.camelContext().hasService(RouteWatcherReloadStrategy.class);
            int reloadsBefore = reloader.getReloadCounter();
            writeInPlace(ingress, edited);

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
            TestRelay.await("the reload to finish", Duration.ofSeconds(30), () -> reloader.getReloadCounter() > reloadsBefore);
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

    /**
     * Saves the route file again (a comment added), and waits until the route {@code routeId} of it was replaced and the
     * reload has finished. The file is replaced whole, as many editors save: written outside the watched folder, then
     * moved in, so that the relay sees one change and reloads once (see {@link #writeInPlace}).
     */
    private static void saveAgainAndAwaitReload(TestRelay relay, Path file, String routeId) throws Exception {
        Route before = relay.camelContext().getRoute(routeId);
        RouteWatcherReloadStrategy reloader = relay.camelContext().hasService(RouteWatcherReloadStrategy.class);
        int reloadsBefore = reloader.getReloadCounter();
        Path edited = Files.writeString(file.getParent().resolveSibling(file.getFileName() + ".edited"),
                Files.readString(file) + "\n# saved again by the test\n");
        Files.move(edited, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        TestRelay.await(file.getFileName() + " to be reloaded", Duration.ofSeconds(30), () -> {
            Route now = relay.camelContext().getRoute(routeId);
            return now != null && now != before && reloader.getReloadCounter() > reloadsBefore;
        });
    }

    /**
     * Writes the file's new content in place in one write, as other editors save: without truncating it first (the new
     * content is longer), which would be a change of its own. Seen as two changes, the file is reloaded twice, and a
     * test that closed the relay during the second reload saw Camel's stop fail (its list of routes changed under it).
     */
    private static void writeInPlace(Path file, String longerContent) throws Exception {
        byte[] bytes = longerContent.getBytes(StandardCharsets.UTF_8);
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
            assertTrue(bytes.length >= channel.size(), "the new content covers the old");
            assertEquals(bytes.length, channel.write(ByteBuffer.wrap(bytes)), "written in one call");
        }
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
