package titorelay.ingress;

import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerOptions;
import org.apache.camel.CamelContext;

/**
 * What a client may cost the relay on the webhook port before its request is verified: connections, requests in
 * flight, body bytes held, and how long a connection may stay silent. Read from the {@code tito.*} settings.
 */
public final class WebhookPortLimits {

    final long maxBodyBytes;
    final int idleTimeoutMs;
    final Semaphore requestsInFlight;
    final UnverifiedBytes unverifiedBytes;
    final ConnectionLimit connections;
    final WebhookRejections rejections;

    private WebhookPortLimits(Function<String, String> settings, WebhookRejections rejections) {
        this.rejections = rejections;
        this.maxBodyBytes = Long.parseLong(settings.apply("tito.max-body-bytes"));
        this.idleTimeoutMs = Integer.parseInt(settings.apply("tito.idle-timeout-ms"));
        this.requestsInFlight = new Semaphore(Integer.parseInt(settings.apply("tito.max-requests-in-flight")));
        this.unverifiedBytes = new UnverifiedBytes(Long.parseLong(settings.apply("tito.max-unverified-bytes")),
                Long.parseLong(settings.apply("tito.max-unverified-large-bytes")),
                Long.parseLong(settings.apply("tito.large-body-bytes")));
        this.connections = new ConnectionLimit(Integer.parseInt(settings.apply("tito.max-connections")), rejections);
    }

    public static WebhookPortLimits fromSettings(CamelContext camelContext, Function<String, String> settings) {
        return new WebhookPortLimits(settings, new WebhookRejections(camelContext));
    }

    /** The Vert.x instance for Camel's HTTP servers: the webhook port's server gets these limits. */
    public Vertx vertxFor(int webhookPort) {
        return WebhookPortVertx.wrap(Vertx.vertx(), webhookPort, this::serverOptions, connection -> {
            connections.handle(connection);
            ConnectionGate.install(connection, rejections);
        }, ClientFailures::log);
    }

    /** What the webhook port holds now, for the operator (and for telling an attack from a quiet day). */
    void registerGauges(MeterRegistry meters) {
        Gauge.builder("tito.webhooks.connections", connections, ConnectionLimit::open)
                .description("open connections on the webhook port").register(meters);
        Gauge.builder("tito.webhooks.unverified.bytes", unverifiedBytes, UnverifiedBytes::held)
                .description("body bytes reserved by requests not yet verified").baseUnit("bytes").register(meters);
    }

    /**
     * HTTP/1.1 only: Tito posts over HTTP/1.1, and HTTP/2 (cleartext upgrade or prior knowledge) would let one
     * connection carry many streams, each with a body, past the connection cap. A connection with no traffic either
     * way for the idle timeout is closed, and what it held is released.
     */
    private HttpServerOptions serverOptions(HttpServerOptions camel) {
        return camel.setHttp2ClearTextEnabled(false)
                .setUseAlpn(false)
                .setIdleTimeout(idleTimeoutMs)
                .setIdleTimeoutUnit(TimeUnit.MILLISECONDS);
    }
}
