package titorelay.ingress;

import io.vertx.core.Vertx;
import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;
import org.apache.camel.Processor;
import org.apache.camel.component.platform.http.PlatformHttpConstants;
import org.apache.camel.component.platform.http.PlatformHttpEndpoint;
import org.apache.camel.component.platform.http.main.MainHttpServer;
import org.apache.camel.component.platform.http.spi.PlatformHttpConsumer;
import org.apache.camel.component.platform.http.vertx.VertxPlatformHttpEngine;
import org.apache.camel.component.platform.http.vertx.VertxPlatformHttpRouter;
import org.apache.camel.support.LifecycleStrategySupport;
import titorelay.http.HttpServers;
import titorelay.settings.Settings;

/**
 * The webhook port: the steps routes/ingress.yaml names (readWebhookRequest, checkWebhookPayload, logRefusal), the
 * Vert.x that gives the port its limits ({@code tito.*}), and the guard that answers 405/413/415 and the limits' 503s
 * before a body is read. (Camel Main finds each package's wiring class, and calls it once at start.)
 */
public final class IngressWiring implements CamelConfiguration {

    @Override
    public void configure(CamelContext camelContext) throws Exception {
        Settings settings = Settings.of(camelContext);
        camelContext.getRegistry().bind("readWebhookRequest", new ReadWebhookRequest());
        camelContext.getRegistry().bind("checkWebhookPayload", new CheckWebhookPayload());
        camelContext.getRegistry().bind("logRefusal",
                new RefusalLog(settings.longInteger("tito.refusal-log-interval-ms")));

        int port = settings.integer("camel.server.port");
        HttpServers.requireFreePort(settings.text("camel.server.host", "0.0.0.0"), port, "camel.server.port");
        camelContext.getRegistry().bind(PlatformHttpConstants.PLATFORM_HTTP_ENGINE_NAME, webhookHttpEngine(port));
        WebhookPortLimits limits = WebhookPortLimits.fromSettings(camelContext, settings);
        Vertx vertx = limits.vertxFor(port);
        camelContext.getRegistry().bind("vertx", vertx);
        // Camel's HTTP servers use a Vert.x found in the registry but leave closing it to whoever made it: closed once
        // the context has stopped, else its threads would keep the JVM alive after a stop that is not a SIGTERM.
        camelContext.addLifecycleStrategy(new LifecycleStrategySupport() {
            @Override
            public void onContextStopped(CamelContext context) {
                vertx.close();
            }
        });
        RequestGuard.install(camelContext, port, settings.text("tito.path"), limits);
        readBodiesIntoOneBuffer(camelContext);
    }

    /**
     * Vert.x reads a body into a buffer that starts small and is copied into one twice its size as the bytes come
     * (256 bytes, 512, ... 4 kB for a ticket of 3.3 kB: about 8 kB allocated, where 3.3 kB will do). Each body is read
     * into one buffer of its declared length instead (Vert.x caps it at 64 kB), which {@link RequestGuard} has already
     * reserved from the unverified bodies' room before the first byte is read.
     */
    private static void readBodiesIntoOneBuffer(CamelContext camelContext) {
        MainHttpServer webhookServer = camelContext.hasService(MainHttpServer.class);
        if (webhookServer != null) {
            webhookServer.getBodyHandler().setPreallocateBodyBuffer(true);
        }
    }

    /**
     * Camel's Vert.x engine finds its port by looking for the one HTTP server; with the management server beside it
     * there are two, and it silently falls back to 8080. Tell it the webhook port instead. Its routes answer when they
     * complete, holding no thread while a step waits (the inbox journal's group commit): see AsyncRouteConsumer.
     */
    private static VertxPlatformHttpEngine webhookHttpEngine(int port) {
        return new VertxPlatformHttpEngine() {
            @Override
            public int getServerPort() {
                return port;
            }

            @Override
            public PlatformHttpConsumer createConsumer(PlatformHttpEndpoint endpoint, Processor processor) {
                return new AsyncRouteConsumer(endpoint, processor, getHandlers(),
                        VertxPlatformHttpRouter.getRouterNameFromPort(getServerPort()));
            }
        };
    }
}
