package titorelay.ingress;

import java.io.IOException;

import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpClosedException;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.RoutingContext;
import org.apache.camel.CamelContext;
import org.apache.camel.component.micrometer.MicrometerConstants;
import titorelay.http.HttpServers;

/**
 * Answers what can be decided before the body is read, in front of the ingress route on the webhook path:
 * 405 for any method but POST, 415 for form and multipart content types (Vert.x would parse those, or refuse them
 * with a bare 400, before Camel could see the raw bytes), and 413 when Content-Length already says the body is too
 * large. A body that turns out too large while streaming is cut off by the HTTP server's own limit (also 413).
 * <p>
 * It also keeps what unverified requests may hold within {@link WebhookPortLimits}: beyond the requests in flight or
 * the unverified body bytes allowed, a request is answered 503 with Retry-After at once, and its connection closed.
 * A request whose answer was sent (the request time-out's 503 included) before its body had all arrived has its
 * connection closed, so that the bytes it held are released.
 */
public final class RequestGuard implements Handler<RoutingContext> {

    /** Seconds a client refused for lack of room is asked to wait before trying again. */
    private static final String RETRY_AFTER_SECONDS = "10";

    private final long maxBodyBytes;
    private final WebhookPortLimits limits;
    private final WebhookRejections rejections;

    private RequestGuard(WebhookPortLimits limits) {
        this.maxBodyBytes = limits.maxBodyBytes;
        this.limits = limits;
        this.rejections = limits.rejections;
    }

    /** Installs the guard on the webhook path once the HTTP server is up. */
    static void install(CamelContext camelContext, int port, String path, WebhookPortLimits limits) throws Exception {
        HttpServers.onceStarted(camelContext, port, "camel.server.port", router -> {
            MeterRegistry meters = camelContext.getRegistry()
                    .lookupByNameAndType(MicrometerConstants.METRICS_REGISTRY_NAME, MeterRegistry.class);
            if (meters != null) {
                limits.registerGauges(meters);
            }
            RequestGuard guard = new RequestGuard(limits);
            // Order -1: before the route that platform-http registers for the same path.
            router.route(path).order(-1).handler(guard).failureHandler(guard::failed);
        });
    }

    private static final String FORM = "application/x-www-form-urlencoded";
    private static final String MULTIPART = "multipart/";

    /**
     * Whether the request's content type is a form or multipart, in any case and after leading white space: bodies
     * that Vert.x and Camel would parse into fields (the raw bytes, over which the signature is made, lost). Read
     * without a lower-case copy of the header: this runs for every request, here and in AsyncRouteConsumer.
     */
    static boolean isForm(HttpServerRequest request) {
        String type = request.getHeader(HttpHeaders.CONTENT_TYPE);
        if (type == null) {
            return false;
        }
        int start = 0;
        while (start < type.length() && Character.isWhitespace(type.charAt(start))) {
            start++;
        }
        return type.regionMatches(true, start, FORM, 0, FORM.length())
               || type.regionMatches(true, start, MULTIPART, 0, MULTIPART.length());
    }

    @Override
    public void handle(RoutingContext ctx) {
        HttpServerRequest request = ctx.request();
        if (request.method() != HttpMethod.POST) {
            ctx.response().putHeader(HttpHeaders.ALLOW, "POST");
            reject(ctx, 405, "method", "Only POST is accepted");
            return;
        }
        if (isForm(request)) {
            reject(ctx, 415, "content-type", "Form and multipart bodies are not accepted; send JSON");
            return;
        }
        long declared = declaredLength(request.getHeader(HttpHeaders.CONTENT_LENGTH));
        if (declared > maxBodyBytes) {
            reject(ctx, 413, "too-large", tooLargeMessage());
            return;
        }
        admit(ctx, declared < 0 ? maxBodyBytes : declared);
    }

    /** Into the requests in flight and the unverified bytes, if there is room: else 503, and the connection closed. */
    private void admit(RoutingContext ctx, long bodyBytes) {
        if (!limits.requestsInFlight.tryAcquire()) {
            refuseForNow(ctx, "busy", "Too many requests at once");
            return;
        }
        if (!limits.unverifiedBytes.tryReserve(bodyBytes)) {
            limits.requestsInFlight.release();
            refuseForNow(ctx, "unverified-bytes", "Too many request bodies at once");
            return;
        }
        HttpServerRequest request = ctx.request();
        ctx.addEndHandler(done -> {
            limits.unverifiedBytes.release(bodyBytes);
            limits.requestsInFlight.release();
            if (!request.isEnded()) {
                rejections.count("body-incomplete");
                ClientFailures.log("closed before its request body had all arrived");
                request.connection().close();
            }
        });
        ctx.next();
    }

    private void refuseForNow(RoutingContext ctx, String reason, String message) {
        ctx.response().putHeader(HttpHeaders.RETRY_AFTER, RETRY_AFTER_SECONDS);
        reject(ctx, 503, reason, message + "; send it again later");
    }

    /** The declared Content-Length, or -1 if there is none (chunked). */
    private static long declaredLength(String contentLength) {
        if (contentLength == null) {
            return -1;
        }
        try {
            return Long.parseLong(contentLength.strip());
        } catch (NumberFormatException e) {
            return -1; // Vert.x itself refuses a malformed Content-Length
        }
    }

    /**
     * A chunked body that outgrows the limit is cut off by the HTTP server's body handler: answer that in JSON too. A
     * client that went away before its body had all arrived is no error of the relay's: one line, no stack trace.
     */
    private void failed(RoutingContext ctx) {
        if (ctx.statusCode() == 413 && !ctx.response().headWritten()) {
            reject(ctx, 413, "too-large", tooLargeMessage());
        } else if (!clientWentAway(ctx.failure())) {
            ctx.next();
        }
        // else the client reset or closed the connection mid-body: logged and counted once as the request ends (admit)
    }

    private static boolean clientWentAway(Throwable failure) {
        return failure instanceof HttpClosedException || failure instanceof IOException;
    }

    private String tooLargeMessage() {
        return "The body is larger than " + maxBodyBytes + " bytes";
    }

    /**
     * Answers with {@code Connection: close}, which makes it the connection's last answer: {@link ConnectionGate} reads
     * nothing more from it (the body still coming, if any, or requests pipelined after this one) and closes it once the
     * answer is written. (Vert.x itself would keep the connection open after a request that had all arrived, and serve
     * the next request on it.)
     */
    private void reject(RoutingContext ctx, int status, String reason, String message) {
        rejections.count(reason);
        ctx.response()
                .setStatusCode(status)
                .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
                .putHeader(HttpHeaders.CONNECTION, "close")
                .end("{\"error\":\"" + message + "\"}");
    }
}
