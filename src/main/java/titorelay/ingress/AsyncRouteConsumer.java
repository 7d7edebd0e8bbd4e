package titorelay.ingress;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.List;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.ext.web.RoutingContext;
import org.apache.camel.Exchange;
import org.apache.camel.ExchangePattern;
import org.apache.camel.Message;
import org.apache.camel.Processor;
import org.apache.camel.component.platform.http.PlatformHttpEndpoint;
import org.apache.camel.component.platform.http.vertx.VertxPlatformHttpConsumer;
import org.apache.camel.spi.HeaderFilterStrategy;

/**
 * Camel's platform-http consumer on Vert.x, except that a step completing later holds no thread while it waits: the
 * route runs on Camel's asynchronous routing engine, and the answer is written when the route has completed.
 * <p>
 * Camel 4.17's consumer runs the route on a Vert.x worker thread and blocks that thread until the route is done. The
 * inbox journal's group commit completes its requests from its committer once their batch is fsync'd, so that way
 * every request waiting for an fsync parked a worker thread: no more requests could share an fsync than there are
 * worker threads, and each cost two thread wake-ups more. Here the worker thread runs the route up to that step and
 * is free again; the answer goes out on the request's event loop. Requests this consumer does not handle itself
 * (forms, proxy or streaming endpoints, a suspended route) are handled as Camel does.
 */
final class AsyncRouteConsumer extends VertxPlatformHttpConsumer {

    /** Camel's own response writing (status, headers, body), which it keeps package-private. */
    private static final MethodHandle WRITE_RESPONSE = camelWriteResponse();

    AsyncRouteConsumer(PlatformHttpEndpoint endpoint, Processor processor, List<Handler<RoutingContext>> handlers,
            String routerName) {
        super(endpoint, processor, handlers, routerName);
    }

    @Override
    protected void handleRequest(RoutingContext ctx) {
        if (!handledHere(ctx)) {
            super.handleRequest(ctx);
            return;
        }
        Context eventLoop = ctx.vertx().getOrCreateContext();
        Exchange exchange = createExchange(false);
        exchange.setPattern(ExchangePattern.InOut);
        processHttpRequest(exchange, ctx).onComplete(read -> {
            if (read.failed()) {
                fail(exchange, ctx, read.cause());
                return;
            }
            // A worker thread, as Camel's consumer uses: the route's steps may block (e.g. a body that is a stream).
            ctx.vertx().executeBlocking(() -> {
                createUoW(exchange);
                getAsyncProcessor().process(exchange, doneSync -> eventLoop.runOnContext(ignored -> answer(ctx, exchange)));
                return null;
            }, false).onFailure(failure -> fail(exchange, ctx, failure));
        });
    }

    private boolean handledHere(RoutingContext ctx) {
        PlatformHttpEndpoint endpoint = getEndpoint();
        return !(isSuspended() || endpoint.isHttpProxy() || endpoint.isUseStreaming()
                 || RequestGuard.isForm(ctx.request()));
    }

    /**
     * The message gets the body only. Camel would also copy every request header, the query's parameters and the
     * request line into the message's headers, a sixth of the event loop's work per request, which the route's first
     * step (ReadWebhookRequest) then cleared: it reads the three headers it keeps from the request itself.
     */
    @Override
    protected Future<Void> populateCamelMessage(RoutingContext ctx, Exchange exchange, Message message) {
        if (!handledHere(ctx)) {
            return super.populateCamelMessage(ctx, exchange, message);
        }
        message.setBody(ctx.body().buffer());
        return Future.succeededFuture();
    }

    private void answer(RoutingContext ctx, Exchange exchange) {
        if (ctx.response().ended() || ctx.response().closed()) {
            done(exchange); // the request time-out has answered already, or the client went away
            return;
        }
        writeResponse(ctx, exchange).onComplete(written -> {
            if (written.succeeded()) {
                done(exchange);
            } else {
                fail(exchange, ctx, written.cause());
            }
        });
    }

    /** As Camel's consumer fails a request: reported to the consumer's exception handler, answered by the router. */
    private void fail(Exchange exchange, RoutingContext ctx, Throwable failure) {
        getExceptionHandler().handleException("Failed handling platform-http endpoint " + getEndpoint().getPath(),
                failure);
        ctx.fail(failure);
        if (getEndpoint().isHandleWriteResponseError() && failure != null) {
            exchange.setProperty(Exchange.EXCEPTION_CAUGHT, failure);
            exchange.setException(failure);
        }
        done(exchange);
    }

    private void done(Exchange exchange) {
        doneUoW(exchange);
        releaseExchange(exchange, false);
    }

    @SuppressWarnings("unchecked")
    private Future<Void> writeResponse(RoutingContext ctx, Exchange exchange) {
        try {
            HeaderFilterStrategy headers = getEndpoint().getHeaderFilterStrategy();
            return (Future<Void>) WRITE_RESPONSE.invoke(ctx, exchange, headers, getEndpoint().isMuteException());
        } catch (Throwable e) {
            return Future.failedFuture(e);
        }
    }

    private static MethodHandle camelWriteResponse() {
        try {
            Class<?> support = Class.forName("org.apache.camel.component.platform.http.vertx.VertxPlatformHttpSupport");
            return MethodHandles.privateLookupIn(support, MethodHandles.lookup()).findStatic(support, "writeResponse",
                    MethodType.methodType(Future.class, RoutingContext.class, Exchange.class, HeaderFilterStrategy.class,
                            boolean.class));
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }
}
