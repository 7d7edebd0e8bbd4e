package titorelay.management;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import titorelay.support.Samples;
import titorelay.support.TestRelay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static titorelay.support.TestRelay.await;

/** Camel's per-route series on /observe/metrics: each exchange of a route counted once, by how it ended. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RouteMetricsTest {

    private static final Duration PATIENCE = Duration.ofSeconds(20);
    /** Each series as Camel's route policy names and tags it. */
    private static final List<String> SERIES = List.of("camel_exchanges_total", "camel_exchanges_succeeded_total",
            "camel_exchanges_failed_total", "camel_exchanges_failures_handled_total",
            "camel_exchanges_external_redeliveries_total", "camel_route_policy_seconds_count");

    private final AtomicBoolean sheetFails = new AtomicBoolean();
    private TestRelay relay;

    @BeforeAll
    void startRelay() throws Exception {
        relay = TestRelay.start(Files.createTempDirectory("route-metrics"));
        relay.failAtStart("spreadsheet", exchange -> sheetFails.get(), "the spreadsheet is down");
    }

    @AfterAll
    void stopRelay() throws Exception {
        relay.close();
    }

    private static byte[] uniqueTicket(int i) {
        return new String(Samples.bytes("ticket-basic.json"), StandardCharsets.UTF_8)
                .replace("\"1i5nfwf2t24\"", "\"metrics" + i + "-" + System.nanoTime() + "\"").getBytes(StandardCharsets.UTF_8);
    }

    /** The series of a route, each once: with Camel's own policy also on, every value would be doubled. */
    private Map<String, Double> seriesOf(String routeId) throws Exception {
        String text = relay.metrics();
        String tags = "{camelContext=\"tito-relay\",eventType=\"route\",kind=\"CamelRoute\",routeId=\"" + routeId + "\"}";
        return SERIES.stream().collect(Collectors.toMap(name -> name, name -> {
            List<String> lines = text.lines().filter(line -> line.startsWith(name + tags + " ")).toList();
            assertTrue(lines.size() <= 1, name + tags);
            // Camel's own policy makes its timer at a route's first exchange: until then, no line.
            return lines.isEmpty() ? 0 : Double.parseDouble(lines.get(0).substring(lines.get(0).lastIndexOf(' ') + 1));
        }));
    }

    private static Map<String, Double> minus(Map<String, Double> after, Map<String, Double> before) {
        return after.keySet().stream().collect(Collectors.toMap(name -> name,
                name -> after.get(name) - before.get(name)));
    }

    private static Map<String, Double> counts(double total, double succeeded, double failed, double handled) {
        return Map.of("camel_exchanges_total", total, "camel_exchanges_succeeded_total", succeeded,
                "camel_exchanges_failed_total", failed, "camel_exchanges_failures_handled_total", handled,
                "camel_exchanges_external_redeliveries_total", 0.0, "camel_route_policy_seconds_count", total);
    }

    @Test
    void eachRouteADeliveryPassesCountsItOnceAsSucceeded() throws Exception {
        List<String> routes = List.of("ingress", "dispatch", "dispatch-once", "route-by-name", "spreadsheet");
        Map<String, Map<String, Double>> before = new HashMap<>();
        for (String route : routes) {
            before.put(route, seriesOf(route));
        }
        double processed = relay.counter("tito_webhooks_processed_total", "name=\"ticket.updated\"");
        for (int i = 0; i < 3; i++) {
            assertEquals(202, relay.send("ticket.updated", uniqueTicket(i)).status());
        }
        await("three deliveries processed", PATIENCE, () -> TestRelay.uncheck(
                () -> relay.counter("tito_webhooks_processed_total", "name=\"ticket.updated\"") == processed + 3));
        // Dispatch's exchange ends just after the processed counter's step.
        await("dispatch's exchanges done", PATIENCE, () -> TestRelay.uncheck(
                () -> seriesOf("dispatch").get("camel_exchanges_total") == before.get("dispatch").get("camel_exchanges_total") + 3));

        for (String route : routes) {
            assertEquals(counts(3, 3, 0, 0), minus(seriesOf(route), before.get(route)), route);
        }
        double seconds = relay.counter("camel_route_policy_seconds_sum", "routeId=\"dispatch\"");
        assertTrue(seconds > 0, "dispatch's time is measured: " + seconds);
    }

    @Test
    void aDeadLetterIsAFailureDispatchHandledAndTheSinksFailure() throws Exception {
        Map<String, Double> dispatch = seriesOf("dispatch");
        Map<String, Double> sheet = seriesOf("spreadsheet");
        sheetFails.set(true);
        try {
            assertEquals(202, relay.send("ticket.updated", uniqueTicket(99)).status());
            await("a dead letter", PATIENCE, () -> relay.deadLetters().size() == 1);
            await("dispatch's exchange done", PATIENCE, () -> TestRelay.uncheck(
                    () -> seriesOf("dispatch").get("camel_exchanges_total") == dispatch.get("camel_exchanges_total") + 1));
        } finally {
            sheetFails.set(false);
        }
        // The dead letter channel handled the failure: dispatch's exchange succeeded, with a failure handled.
        assertEquals(counts(1, 1, 0, 1), minus(seriesOf("dispatch"), dispatch));
        // The sheet's route failed each of its 7 attempts (1 try, 6 redeliveries).
        assertEquals(counts(7, 0, 7, 0), minus(seriesOf("spreadsheet"), sheet));
    }
}
