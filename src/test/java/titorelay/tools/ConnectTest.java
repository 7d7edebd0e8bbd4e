package titorelay.tools;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import titorelay.tito.TitoApiEmulator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Connect registers the relay's URL with each configured event, once, with the triggers routing.yaml routes. */
class ConnectTest {

    private static final String URL = "https://relay.example.org/webhooks/tito";
    private static final List<String> EVENTS = List.of("awesomeconf", "otherconf");
    /** Every name routes/routing.yaml sends to a sink, as the file reads today. */
    private static final List<String> ROUTED = List.of("ticket.created", "ticket.completed", "ticket.updated",
            "ticket.reassigned", "ticket.unsnoozed", "ticket.voided", "ticket.unvoided", "registration.finished",
            "registration.completed", "registration.updated", "registration.cancelled", "registration.marked_as_paid",
            "registration.marked_as_unpaid", "checkin.created", "checkin.deleted");

    @TempDir
    Path work;

    private TitoApiEmulator tito;
    private final Map<String, String> settings = new HashMap<>();
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    @BeforeEach
    void start() throws Exception {
        tito = TitoApiEmulator.start("demo", "connect-token");
        EVENTS.forEach(tito::event);
        settings.putAll(Map.of("tito.api-token", "connect-token", "tito.api-url", tito.apiUrl(), "tito.account", "demo",
                "tito.events", String.join(",", EVENTS), "tito.reconcile-interval-ms", "0", "tito.path", "/webhooks/tito"));
    }

    @AfterEach
    void stop() {
        tito.close();
    }

    private int connect(Path routing, String... args) throws Exception {
        return Connect.run(List.of(args), key -> settings.getOrDefault(key, ""), routing,
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    private static List<String> triggers(ObjectNode endpoint) {
        return new com.fasterxml.jackson.databind.ObjectMapper().convertValue(endpoint.get("included_triggers"),
                new com.fasterxml.jackson.core.type.TypeReference<List<String>>() { });
    }

    @Test
    void runTwiceMakesOneEndpointPerEventWithTheRoutedTriggers() throws Exception {
        tito.addEndpoint("awesomeconf", "https://someone-else.example.com/hook", List.of("ticket.completed"));
        assertEquals(0, connect(Path.of("routes/routing.yaml"), URL), err.toString());
        assertEquals(0, connect(Path.of("routes/routing.yaml"), URL), err.toString());

        for (String event : EVENTS) {
            List<ObjectNode> ours = tito.endpoints(event).stream().filter(e -> URL.equals(e.get("url").asText())).toList();
            assertEquals(1, ours.size(), event + ": " + tito.endpoints(event));
            assertEquals(ROUTED, triggers(ours.get(0)));
        }
        assertEquals(2, tito.endpoints("awesomeconf").size(), "another endpoint of the event is left alone");
        assertEquals(2, tito.served("/webhook_endpoints", 201), "one created per event");
        String said = out.toString(StandardCharsets.UTF_8);
        assertTrue(said.contains("already there, triggers unchanged"), said);
        assertTrue(said.contains("Settings > Webhook Endpoints") && said.contains("TITO_SECURITY_TOKENS")
                   && said.contains("tito.security-tokens"), said);
    }

    @Test
    void changedRoutingUpdatesTheTriggersAndRemoveDeletesTheEndpoints() throws Exception {
        assertEquals(0, connect(Path.of("routes/routing.yaml"), URL), err.toString());
        Path routing = work.resolve("routing.yaml");
        // ticket.reassigned to no sink; and a branch for a name of the relay's own, which is no Tito trigger.
        Files.writeString(routing, Files.readString(Path.of("routes/routing.yaml")).replace(
                "== 'ticket.reassigned'\"\n                steps:\n                  - setVariable: { name: sinks, constant: \"direct:spreadsheet\" }",
                "== 'ticket.reassigned'\"\n                steps:\n                  - setVariable: { name: sinks, constant: \"\" }")
                .replace("            otherwise:\n",
                        "              - simple: \"${header.X-Webhook-Name} == 'reconciled.ticket.voided'\"\n"
                        + "                steps:\n"
                        + "                  - setVariable: { name: sinks, constant: \"direct:organizer-email\" }\n"
                        + "            otherwise:\n"));
        assertTrue(Files.readString(routing).contains("reconciled.ticket.voided"));
        assertEquals(0, connect(routing, URL), err.toString());

        List<String> expected = ROUTED.stream().filter(name -> !name.equals("ticket.reassigned")).toList();
        for (String event : EVENTS) {
            assertEquals(1, tito.endpoints(event).size());
            assertEquals(expected, triggers(tito.endpoints(event).get(0)));
        }
        assertEquals(2, tito.served("/webhook_endpoints", 201));
        assertEquals(2, tito.requestLog().stream().filter(l -> l.startsWith("PATCH ") && l.contains(" 200 ")).count());

        assertEquals(0, connect(routing, URL, "--remove"), err.toString());
        for (String event : EVENTS) {
            assertEquals(List.of(), tito.endpoints(event));
        }
        assertEquals(2, tito.requestLog().stream().filter(l -> l.startsWith("DELETE ") && l.contains(" 204 ")).count());
    }

    @Test
    void aPlainHttpUrlIsRefusedBeforeAnyCall() throws Exception {
        assertEquals(2, connect(Path.of("routes/routing.yaml"), "http://relay.example.org/webhooks/tito"));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("not an https URL"), err.toString());
        assertEquals(List.of(), tito.requestLog());
    }

    @Test
    void aRefusedTokenSaysWhichSettingToFix() throws Exception {
        settings.put("tito.api-token", "wrong-token");
        assertEquals(1, connect(Path.of("routes/routing.yaml"), URL));
        String said = err.toString(StandardCharsets.UTF_8);
        assertTrue(said.contains("401") && said.contains("tito.api-token") && said.contains("TITO_API_TOKEN"), said);
        assertTrue(!said.contains("wrong-token"), "the token is not shown");
        assertEquals(1, tito.served("/webhook_endpoints", 401));
        assertEquals(List.of(), tito.endpoints("awesomeconf"));
    }
}
