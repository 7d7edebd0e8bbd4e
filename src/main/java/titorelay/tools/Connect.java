package titorelay.tools;

import java.io.PrintStream;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.function.Function;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import titorelay.tito.TitoApiClient;
import titorelay.tito.TitoApiException;
import titorelay.tito.TitoApiSettings;

/**
 * Registers the relay's public webhook URL with Tito, as a webhook endpoint of each configured event (tito.events),
 * through Tito's Admin API, with the triggers routes/routing.yaml routes to a sink:
 *
 * <pre>
 * java -cp target/tito-relay.jar titorelay.tools.Connect https://relay.example.org/webhooks/tito [--remove]
 * </pre>
 *
 * Run again, it changes only what differs: it lists an event's endpoints first, creates the one missing, updates
 * triggers that differ, and never makes a second endpoint for the URL. {@code --remove} deletes the URL's endpoints.
 * Same settings as the relay (application.properties, -D, environment: TITO_API_TOKEN).
 */
public final class Connect {

    private static final ObjectMapper JSON = new ObjectMapper();

    private Connect() {
    }

    public static void main(String[] args) throws Exception {
        System.exit(run(List.of(args), ToolSettings.load(), Path.of("routes", "routing.yaml"), System.out, System.err));
    }

    /** Returns the exit status: 0 done, 1 Tito refused, 2 bad usage or settings. */
    public static int run(List<String> args, Function<String, String> setting, Path routingFile, PrintStream out,
            PrintStream err) throws Exception {
        List<String> urls = args.stream().filter(a -> !a.equals("--remove")).toList();
        boolean remove = args.contains("--remove");
        if (urls.size() != 1) {
            err.println("usage: Connect https://your-host/webhooks/tito [--remove]");
            return 2;
        }
        String url = urls.get(0);
        URI uri;
        try {
            uri = URI.create(url);
        } catch (IllegalArgumentException e) {
            uri = null;
        }
        if (uri == null || !"https".equals(uri.getScheme()) || uri.getHost() == null) {
            err.println("Refused: " + url + " is not an https URL. Tito sends webhooks only to https URLs: give the"
                        + " relay's public address behind TLS, e.g. https://relay.example.org" + setting.apply("tito.path"));
            return 2;
        }
        TitoApiSettings settings;
        try {
            settings = TitoApiSettings.from(setting);
        } catch (IllegalArgumentException e) {
            err.println(e.getMessage());
            return 2;
        }
        if (!settings.enabled()) {
            err.println("No Admin API token: set TITO_API_TOKEN (setting tito.api-token) to a token from Tito's"
                        + " account settings (API access), and tito.account and tito.events");
            return 2;
        }
        List<String> triggers = RoutedWebhookNames.read(routingFile);
        TitoApiClient tito = new TitoApiClient(settings, 1000, 4);
        try {
            for (String event : settings.events()) {
                out.println(event + ": " + (remove ? remove(tito, event, url) : connect(tito, event, url, triggers)));
            }
        } catch (TitoApiException e) {
            err.println(e.getMessage());
            return 1;
        }
        if (!remove) {
            out.println();
            out.println("Tito signs each event's webhooks with that event's security token, which its API never shows."
                        + " For each event above: in Tito, open the event, go to Settings > Webhook Endpoints, copy its"
                        + " security token, and give the relay all of them, comma-separated, in the environment"
                        + " variable TITO_SECURITY_TOKENS (setting tito.security-tokens); then restart the relay.");
        }
        return 0;
    }

    private static String connect(TitoApiClient tito, String event, String url, List<String> triggers) throws Exception {
        List<JsonNode> existing = endpointsFor(tito, event, url);
        ObjectNode body = JSON.createObjectNode();
        ObjectNode endpoint = body.putObject("webhook_endpoint");
        endpoint.put("url", url);
        triggers.forEach(endpoint.putArray("included_triggers")::add);
        if (existing.isEmpty()) {
            JsonNode created = tito.send("POST", event, "webhook_endpoints", body);
            return "created webhook endpoint " + created.path("webhook_endpoint").path("id").asText() + " for " + url
                   + " with " + triggers.size() + " triggers: " + String.join(", ", triggers);
        }
        List<String> changed = new ArrayList<>();
        for (JsonNode found : existing) {
            HashSet<String> has = new HashSet<>();
            found.path("included_triggers").forEach(t -> has.add(t.asText()));
            if (!has.equals(new HashSet<>(triggers))) {
                tito.send("PATCH", event, "webhook_endpoints/" + found.path("id").asText(), body);
                changed.add(found.path("id").asText());
            }
        }
        return changed.isEmpty() ? "webhook endpoint for " + url + " already there, triggers unchanged"
                : "updated the triggers of webhook endpoint " + String.join(", ", changed) + " to: "
                  + String.join(", ", triggers);
    }

    private static String remove(TitoApiClient tito, String event, String url) throws Exception {
        List<String> removed = new ArrayList<>();
        for (JsonNode found : endpointsFor(tito, event, url)) {
            tito.send("DELETE", event, "webhook_endpoints/" + found.path("id").asText(), null);
            removed.add(found.path("id").asText());
        }
        return removed.isEmpty() ? "no webhook endpoint for " + url : "removed webhook endpoint " + String.join(", ", removed);
    }

    private static List<JsonNode> endpointsFor(TitoApiClient tito, String event, String url) throws Exception {
        List<JsonNode> found = new ArrayList<>();
        tito.get(event, "webhook_endpoints", List.of()).path("webhook_endpoints").forEach(endpoint -> {
            if (url.equals(endpoint.path("url").asText())) {
                found.add(endpoint);
            }
        });
        return found;
    }
}
