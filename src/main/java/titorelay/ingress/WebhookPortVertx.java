package titorelay.ingress;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

import io.vertx.core.AsyncResult;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.impl.VertxInternal;
import io.vertx.core.net.SocketAddress;

/**
 * The Vert.x instance Camel's platform-http servers use, which gives the HTTP server on the webhook port the relay's
 * own {@link HttpServerOptions} (idle timeout, HTTP/1.1 only) and connection handler (the connection cap).
 * <p>
 * Camel 4.17 creates its server with {@code new HttpServerOptions()} and offers no setting for these; it does take
 * the Vert.x instance from the registry. So this one hands out HTTP servers whose creation waits until
 * {@code listen}, when the port is known: the webhook port gets the relay's options, any other server (the
 * management port) Camel's.
 */
public final class WebhookPortVertx {

    private WebhookPortVertx() {
    }

    /**
     * @param options           turns Camel's options into the webhook port's
     * @param connectionHandler sees each new connection on the webhook port first
     * @param exceptionHandler  hears of connection failures on the webhook port (resets, clients going away)
     */
    public static Vertx wrap(Vertx vertx, int webhookPort, UnaryOperator<HttpServerOptions> options,
            Handler<HttpConnection> connectionHandler, Handler<Throwable> exceptionHandler) {
        InvocationHandler handler = (proxy, method, args) -> {
            if (method.getName().equals("createHttpServer") && args != null && args.length == 1
                && args[0] instanceof HttpServerOptions camelOptions) {
                return deferredServer(new DeferredServer(vertx, camelOptions, webhookPort, options, connectionHandler,
                        exceptionHandler));
            }
            if (method.getName().equals("createHttpServer") && (args == null || args.length == 0)) {
                return deferredServer(new DeferredServer(vertx, new HttpServerOptions(), webhookPort, options,
                        connectionHandler, exceptionHandler));
            }
            return invoke(vertx, method, args);
        };
        return (Vertx) Proxy.newProxyInstance(WebhookPortVertx.class.getClassLoader(),
                new Class<?>[] { VertxInternal.class }, handler);
    }

    private static HttpServer deferredServer(DeferredServer server) {
        return (HttpServer) Proxy.newProxyInstance(WebhookPortVertx.class.getClassLoader(),
                new Class<?>[] { HttpServer.class }, server);
    }

    private static Object invoke(Object target, Method method, Object[] args) throws Throwable {
        try {
            return method.invoke(target, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }

    /** Remembers the handlers Camel sets, and creates the real server when Camel calls listen. */
    private static final class DeferredServer implements InvocationHandler {
        private final Vertx vertx;
        private final HttpServerOptions camelOptions;
        private final int webhookPort;
        private final UnaryOperator<HttpServerOptions> options;
        private final Handler<HttpConnection> connectionHandler;
        private final Handler<Throwable> exceptionHandler;
        private final List<Object[]> settersCalled = new ArrayList<>();
        private final List<Method> setters = new ArrayList<>();
        private HttpServer server;

        DeferredServer(Vertx vertx, HttpServerOptions camelOptions, int webhookPort,
                UnaryOperator<HttpServerOptions> options, Handler<HttpConnection> connectionHandler,
                Handler<Throwable> exceptionHandler) {
            this.vertx = vertx;
            this.camelOptions = camelOptions;
            this.webhookPort = webhookPort;
            this.options = options;
            this.connectionHandler = connectionHandler;
            this.exceptionHandler = exceptionHandler;
        }

        @Override
        @SuppressWarnings("unchecked")
        public synchronized Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
            if (server == null && method.getName().equals("listen")) {
                create(portOf(args));
            }
            if (server != null) {
                Object result = WebhookPortVertx.invoke(server, method, args);
                return result == server ? proxy : result;
            }
            if (method.getName().endsWith("Handler") && args != null && args.length == 1) {
                setters.add(method);
                settersCalled.add(args);
                return proxy;
            }
            if (method.getName().equals("actualPort")) {
                return 0;
            }
            if (method.getName().equals("isClosed")) {
                return true;
            }
            if (method.getName().equals("close")) { // never listened: nothing to close
                if (args != null && args.length == 1 && args[0] instanceof Handler<?> handler) {
                    ((Handler<AsyncResult<Void>>) handler).handle(Future.succeededFuture());
                    return null;
                }
                return Future.succeededFuture();
            }
            throw new IllegalStateException("HttpServer." + method.getName() + " before listen");
        }

        private int portOf(Object[] args) {
            if (args != null && args.length > 0) {
                if (args[0] instanceof Integer port) {
                    return port;
                }
                if (args[0] instanceof SocketAddress address) {
                    return address.port();
                }
            }
            return camelOptions.getPort();
        }

        private void create(int port) throws Throwable {
            boolean webhooks = port == webhookPort;
            server = vertx.createHttpServer(webhooks ? options.apply(new HttpServerOptions(camelOptions)) : camelOptions);
            for (int i = 0; i < setters.size(); i++) {
                WebhookPortVertx.invoke(server, setters.get(i), settersCalled.get(i));
            }
            if (webhooks) {
                server.connectionHandler(connectionHandler);
                server.exceptionHandler(exceptionHandler);
            }
        }
    }
}
