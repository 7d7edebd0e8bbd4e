package titorelay.management;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import titorelay.Headers;

/**
 * Counts a webhook in a Prometheus counter tagged with its name ({@code TitoMetricName}: one of Tito's 15, or
 * {@code other}), as Camel's {@code micrometer:counter} endpoint does, for the steps every webhook passes: that
 * endpoint evaluates its tags as Simple expressions, builds the meter's id and clears its headers by a regular
 * expression on every message, about a tenth of dispatch's CPU per delivery in a profile. The counters are made once
 * per name (a bounded set), with the same tags as the endpoint's ({@code camelContext}, {@code name}).
 */
public final class WebhookCounter implements Processor {

    private final CamelContext camelContext;
    private final String metric;
    private final String description;
    private final Map<String, Counter> byName = new ConcurrentHashMap<>();
    private volatile MeterRegistry meters;

    public WebhookCounter(CamelContext camelContext, String metric, String description) {
        this.camelContext = camelContext;
        this.metric = metric;
        this.description = description;
    }

    @Override
    public void process(Exchange exchange) {
        String name = exchange.getMessage().getHeader(Headers.METRIC_NAME, "other", String.class);
        byName.computeIfAbsent(name, this::counter).increment();
    }

    private Counter counter(String name) {
        MeterRegistry registry = meters;
        if (registry == null) { // made as Camel starts: looked up at the first webhook
            registry = camelContext.getRegistry().findSingleByType(MeterRegistry.class);
            meters = registry;
        }
        return Counter.builder(metric).description(description).tag("camelContext", camelContext.getName())
                .tag("name", name).register(registry);
    }
}
