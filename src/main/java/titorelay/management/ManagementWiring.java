package titorelay.management;

import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;
import titorelay.http.HttpServers;
import titorelay.settings.Settings;

/**
 * The management port (health and metrics): it must be free, and its health endpoint shows only the chosen detail.
 * Also the counters every webhook passes (received, processed), and Camel's per-route metrics ({@link RouteMetrics}).
 */
public final class ManagementWiring implements CamelConfiguration {

    @Override
    public void configure(CamelContext camelContext) throws Exception {
        Settings settings = Settings.of(camelContext);
        int port = settings.integer("camel.management.port");
        HttpServers.requireFreePort(settings.text("camel.management.host", "0.0.0.0"), port, "camel.management.port");
        HealthDetailsGuard.install(camelContext, port, settings.text("camel.management.health-path", "/observe/health"));
        camelContext.getRegistry().bind("countReceived", new WebhookCounter(camelContext, "tito.webhooks.received",
                "webhooks accepted and stored, by name"));
        camelContext.getRegistry().bind("countProcessed", new WebhookCounter(camelContext, "tito.webhooks.processed",
                "deliveries that went through every sink of their name, by name"));
        if (settings.flag("camel.metrics.enabled")) {
            camelContext.addRoutePolicyFactory(new RouteMetrics());
        }
    }
}
