package titorelay.tito;

import java.time.Duration;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;
import org.apache.camel.health.HealthCheckRegistry;
import org.apache.camel.support.LifecycleStrategySupport;
import org.slf4j.LoggerFactory;
import titorelay.settings.Settings;
import titorelay.storage.DataDirectory;

/**
 * Sets up the mirror of Tito through its Admin API: binds the {@code titoApiPass} and {@code reconciledCancellation}
 * steps that routes/tito-api.yaml calls, the {@code tito-api} health check and the metrics. Without tito.api-token the
 * pass does nothing.
 */
public final class TitoApiWiring implements CamelConfiguration {

    @Override
    public void configure(CamelContext camelContext) throws Exception {
        Settings setting = Settings.of(camelContext);
        TitoApiSettings settings = TitoApiSettings.from(setting);
        camelContext.getRegistry().bind("reconciledCancellation", new ReconciledCancellation());
        if (!settings.enabled()) {
            camelContext.getRegistry().bind("titoApiPass", (org.apache.camel.Processor) exchange -> { });
            LoggerFactory.getLogger(TitoApiWiring.class).info("No tito.api-token: the sheet gets webhooks only (no"
                                                              + " backfill or reconcile through Tito's Admin API)");
            return;
        }
        TitoApiClient client = new TitoApiClient(settings, setting.longInteger("relay.tito-api.retry-delay-ms"),
                setting.integer("relay.tito-api.max-retries"));
        TitoMirror mirror = new TitoMirror(camelContext, settings, client,
                new MirrorProgress(DataDirectory.of(camelContext)),
                Duration.ofMillis(setting.longInteger("relay.tito-api.reconcile-overlap-ms")),
                "direct:tito-api-record");
        camelContext.getRegistry().bind("titoApiPass", mirror);
        HealthCheckRegistry.get(camelContext).register(new TitoApiHealthCheck(mirror));
        camelContext.addLifecycleStrategy(new LifecycleStrategySupport() {
            @Override
            public void onContextStarted(CamelContext context) {
                MeterRegistry meters = camelContext.getRegistry().findSingleByType(MeterRegistry.class);
                if (meters != null) {
                    for (RecordKind kind : RecordKind.values()) {
                        FunctionCounter.builder("tito.api.records.fetched", mirror, m -> m.fetched(kind))
                                .tag("kind", kind.path)
                                .description("records fetched from Tito's Admin API (backfill and reconcile)")
                                .register(meters);
                    }
                    Gauge.builder("tito.api.last.reconcile", mirror, TitoMirror::lastSuccess).baseUnit("seconds")
                            .description("when a backfill or reconcile pass last succeeded for every event (epoch"
                                         + " seconds; 0: not since the start)")
                            .register(meters);
                }
            }
        });
    }
}
