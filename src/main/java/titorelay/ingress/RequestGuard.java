package titorelay.ingress;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.Locale;

import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.RoutingContext;
import org.apache.camel.CamelContext;
import org.apache.camel.StartupListener;
import org.apache.camel.component.micrometer.MicrometerConstants;
import org.apache.camel.component.platform.http.vertx.VertxPlatformHttpRouter;

/**
 * Answers what can be decided before the body is read, in front of the ingress route on the webhook path:
 * 405 for any method but POST, 415 for form and multipart content types (Vert.x would parse those, or refuse them
 * with a bare 400, before Camel could see the raw bytes), and 413 when Content-Length already says the body is too
 * large. A body that turns out too large while streaming is cut off by the HTTP server's own limit (also 413).
 */
public final class RequestGuard implements Handler<RoutingContext> {

    private final long maxBodyBytes;
    private final RejectionCounter rejections;

    private RequestGuard(long maxBodyBytes, RejectionCounter rejections) {
        this.maxBodyBytes = maxBodyBytes;
        this.rejections = rejections;
    }

    /** Installs the guard on the webhook path once the HTTP server is up. */
    public static void install(CamelContext camelContext, int port, String path, long maxBodyBytes) throws Exception {
        camelContext.addStartupListener(new StartupListener() {
            @Override
            public void onCamelContextStarted(CamelContext context, boolean alreadyStarted) {
                VertxPlatformHttpRouter router = VertxPlatformHttpRouter.lookup(context,
                        VertxPlatformHttpRouter.getRouterNameFromPort(port));
                if (router == null) {
                    throw new IllegalStateException("No HTTP server on port " + port + ": is camel.server.enabled true?");
                }
                MeterRegistry meters = context.getRegistry()
                        .lookupByNameAndType(MicrometerConstants.METRICS_REGISTRY_NAME, MeterRegistry.class);
                RequestGuard guard = new RequestGuard(maxBodyBytes, new RejectionCounter(meters, context.getName()));
                // Order -1: before the route that platform-http registers for the same path.
                router.route(path).order(-1).handler(guard).failureHandler(guard::bodyTooLarge);
            }
        });
    }

    @Override
    public void handle(RoutingContext ctx) {
        HttpServerRequest request = ctx.request();
        if (request.method() != HttpMethod.POST) {
            ctx.response().putHeader(HttpHeaders.ALLOW, "POST");
            reject(ctx, 405, "method", "Only POST is accepted");
            return;
        }
        String contentType = request.getHeader(HttpHeaders.CONTENT_TYPE);
        if (contentType != null) {
            String type = contentType.strip().toLowerCase(Locale.ROOT);
            if (type.startsWith("application/x-www-form-urlencoded") || type.startsWith("multipart/")) {
                reject(ctx, 415, "content-type", "Form and multipart bodies are not accepted; send JSON");
                return;
            }
        }
        String contentLength = request.getHeader(HttpHeaders.CONTENT_LENGTH);
        if (contentLength != null && declaredTooLarge(contentLength)) {
            reject(ctx, 413, "too-large", tooLargeMessage());
            return;
        }
        ctx.next();
    }

    private boolean declaredTooLarge(String contentLength) {
        try {
            return Long.parseLong(contentLength.strip()) > maxBodyBytes;
        } catch (NumberFormatException e) {
            return false; // Vert.x itself refuses a malformed Content-Length
        }
    }

    /** A chunked body that outgrows the limit is cut off by the HTTP server's body handler: answer that in JSON too. */
    private void bodyTooLarge(RoutingContext ctx) {
        if (ctx.statusCode() == 413 && !ctx.response().headWritten()) {
            reject(ctx, 413, "too-large", tooLargeMessage());
        } else {
            ctx.next();
        }
    }

    private String tooLargeMessage() {
        return "The body is larger than " + maxBodyBytes + " bytes";
    }

    private void reject(RoutingContext ctx, int status, String reason, String message) {
        rejections.count(reason);
        ctx.response()
                .setStatusCode(status)
                .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
                .putHeader(HttpHeaders.CONNECTION, "close")
                .end("{\"error\":\"" + message + "\"}");
    }

    /**
     * Vert.x reports a port already in use only in its log, and Camel then runs on without it. A relay that cannot
     * receive webhooks must not start and look healthy, so the ports are tried before the servers start.
     */
    public static void requireFreePort(String host, int port, String setting) {
        try (ServerSocket probe = new ServerSocket()) {
            probe.setReuseAddress(true);
            probe.bind(new InetSocketAddress(host, port));
        } catch (IOException e) {
            throw new IllegalStateException("Cannot listen on port " + port + " (" + setting + "): " + e.getMessage()
                                            + ". Is another relay already running?");
        }
    }

    /** The same counter the YAML routes increment, so all refusals show up under one metric. */
    private record RejectionCounter(MeterRegistry meters, String camelContextName) {
        void count(String reason) {
            if (meters != null) {
                meters.counter("tito.webhooks.rejected", "reason", reason, "camelContext", camelContextName).increment();
            }
        }
    }
}
