package titorelay.ingress;

import io.micrometer.core.instrument.MeterRegistry;
import org.apache.camel.CamelContext;
import org.apache.camel.component.micrometer.MicrometerConstants;

/**
 * Counts a refusal in {@code tito.webhooks.rejected{reason}}, the counter the YAML routes increment too, so all
 * refusals show up under one metric. The meter registry is looked up when first needed: connections can be refused
 * before Camel has finished starting.
 */
final class WebhookRejections {

    private final CamelContext camelContext;
    private volatile MeterRegistry meters;

    WebhookRejections(CamelContext camelContext) {
        this.camelContext = camelContext;
    }

    void count(String reason) {
        MeterRegistry registry = meters;
        if (registry == null) {
            registry = camelContext.getRegistry()
                    .lookupByNameAndType(MicrometerConstants.METRICS_REGISTRY_NAME, MeterRegistry.class);
            meters = registry;
        }
        if (registry != null) {
            registry.counter("tito.webhooks.rejected", "reason", reason, "camelContext", camelContext.getName())
                    .increment();
        }
    }
}
