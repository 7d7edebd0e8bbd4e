package titorelay.management;

import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;
import org.apache.camel.component.micrometer.eventnotifier.MicrometerRouteEventNotifier;
import org.apache.camel.spi.EventNotifier;
import org.apache.camel.spi.OnCamelContextStarted;
import org.apache.camel.support.EventHelper;
import org.apache.camel.support.LifecycleStrategySupport;
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
        camelContext.addLifecycleStrategy(
                LifecycleStrategySupport.adapt((OnCamelContextStarted) ManagementWiring::routeEventsOnly));
    }

    /**
     * camel-micrometer's route event notifier (camel_routes_added, _running, _reloaded) acts on route events only, but
     * does not say that it ignores the exchanges' events: it would have Camel make an event object for every exchange
     * and every step it sends, and hand each to every notifier. Said for it once the context has started (Camel Main
     * adds it during the start), and Camel told again whether any notifier still wants them. (The relay's own
     * start and stop steps are lifecycle strategies, not event notifiers, for the same reason.)
     */
    private static void routeEventsOnly(CamelContext camelContext) {
        for (EventNotifier notifier : camelContext.getManagementStrategy().getEventNotifiers()) {
            if (notifier instanceof MicrometerRouteEventNotifier routeEvents) {
                routeEvents.setIgnoreExchangeEvents(true);
            }
        }
        camelContext.getCamelContextExtension()
                .setEventNotificationApplicable(EventHelper.eventsApplicable(camelContext));
    }
}
