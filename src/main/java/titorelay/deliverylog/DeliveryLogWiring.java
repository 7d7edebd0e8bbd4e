package titorelay.deliverylog;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;
import org.apache.camel.Processor;
import org.apache.camel.model.Model;
import org.apache.camel.support.LifecycleStrategySupport;
import org.apache.camel.support.service.ServiceHelper;
import org.slf4j.LoggerFactory;
import titorelay.settings.Settings;
import titorelay.storage.DataDirectory;
import titorelay.storage.OwnerOnly;

/**
 * The delivery log ({@code relay.delivery-log.*}, {@code relay.console.retention-days}): bound as
 * {@code deliveryHistory} for the console, and the steps of routes/ that feed it. Turned off, the steps do nothing and
 * there is no queue, thread or store; the console then reads an empty log.
 */
public final class DeliveryLogWiring implements CamelConfiguration {

    @Override
    public void configure(CamelContext camelContext) throws Exception {
        Settings settings = Settings.of(camelContext);
        camelContext.getCamelContextExtension().getContextPlugin(Model.class)
                .addModelLifecycleStrategy(new OutsideErrorHandler(DeliveryHooks.noSteps().keySet()));
        if (!settings.flag("relay.delivery-log.enabled")) {
            DeliveryHooks.noSteps().forEach(camelContext.getRegistry()::bind);
            camelContext.getRegistry().bind("deliveryHistory", DeliveryLogView.class, new NoDeliveryLog());
            return;
        }
        Path directory = OwnerOnly.directory(DataDirectory.of(camelContext).resolve("delivery-log"));
        DeliveryLog log = new DeliveryLog(directory, settings.integer("relay.delivery-log.queue-size"),
                settings.longInteger("relay.delivery-log.max-queued-bytes"),
                Duration.ofDays(settings.integer("relay.console.retention-days")), Clock.systemUTC());
        camelContext.getRegistry().bind("deliveryHistory", DeliveryLogView.class, log);
        Map<String, Processor> steps = DeliveryHooks.steps(log::record);
        steps.forEach(camelContext.getRegistry()::bind);
        runWithTheRelay(camelContext, log);
    }

    /**
     * Started before the routes, and stopped once everything else has (the spreadsheet's last rows, written as the
     * relay stops, are still logged); tito_delivery_log_dropped_total once Camel's meter registry exists.
     */
    private static void runWithTheRelay(CamelContext camelContext, DeliveryLog log) {
        camelContext.addLifecycleStrategy(new LifecycleStrategySupport() {
            @Override
            public void onContextStarting(CamelContext context) {
                try {
                    ServiceHelper.startService(log);
                } catch (RuntimeException cannotOpen) {
                    // Not part of the delivery guarantee: the relay runs without it.
                    LoggerFactory.getLogger(DeliveryLog.class).warn("The delivery log cannot open its store"
                            + " ({}): the relay runs without it until restarted", cannotOpen.getMessage());
                }
            }

            @Override
            public void onContextStarted(CamelContext context) {
                MeterRegistry meters = camelContext.getRegistry().findSingleByType(MeterRegistry.class);
                if (meters != null) {
                    FunctionCounter.builder("tito.delivery.log.dropped", log, DeliveryLog::dropped)
                            .description("events the delivery log dropped (its queue full, or its store"
                                         + " failing); the deliveries went on").register(meters);
                }
            }

            @Override
            public void onContextStopped(CamelContext context) {
                ServiceHelper.stopService(log);
            }
        });
    }
}
