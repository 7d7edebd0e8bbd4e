package titorelay.management;

import java.util.List;

import io.vertx.core.Handler;
import io.vertx.ext.web.RoutingContext;
import org.apache.camel.CamelContext;
import org.apache.camel.health.HealthCheckRegistry;
import titorelay.http.HttpServers;

/**
 * Keeps the health endpoint's level of detail where the operator set it ({@code camel.health.exposure-level}). Camel
 * lets any client ask for more with query parameters ({@code ?exposureLevel=full&data=true&stackTrace=true}: every
 * check's message, details such as paths and the spreadsheet id, and stack traces); this drops the level parameter
 * always, and the other two unless the operator chose {@code full}.
 */
public final class HealthDetailsGuard implements Handler<RoutingContext> {

    private static final String LEVEL = "exposureLevel";
    private static final List<String> DETAILS = List.of("data", "stackTrace");

    private final HealthCheckRegistry health;

    private HealthDetailsGuard(HealthCheckRegistry health) {
        this.health = health;
    }

    /** In front of the health endpoints on the management port (/observe/health, its /live and /ready) once it is up. */
    static void install(CamelContext camelContext, int managementPort, String healthPath) throws Exception {
        // Order -1: before the handlers Camel registers for the same paths.
        HttpServers.onceStarted(camelContext, managementPort, "camel.management.port", router -> router
                .route(healthPath + "*").order(-1).handler(new HealthDetailsGuard(HealthCheckRegistry.get(camelContext))));
    }

    @Override
    public void handle(RoutingContext ctx) {
        ctx.request().params().remove(LEVEL);
        if (!"full".equals(health.getExposureLevel())) {
            DETAILS.forEach(ctx.request().params()::remove);
        }
        ctx.next();
    }
}
