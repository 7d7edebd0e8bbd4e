package titorelay.http;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.function.Consumer;

import org.apache.camel.CamelContext;
import org.apache.camel.StartupListener;
import org.apache.camel.component.platform.http.vertx.VertxPlatformHttpRouter;

/** What the relay adds to the HTTP servers Camel runs: the webhook port and the management port. */
public final class HttpServers {

    private HttpServers() {
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

    /**
     * Runs {@code install} with the router of the server on {@code port} once, when the relay has started; not again
     * when a route file is reloaded (which announces a start too), so that nothing is installed twice.
     */
    public static void onceStarted(CamelContext camelContext, int port, String setting,
            Consumer<VertxPlatformHttpRouter> install) throws Exception {
        camelContext.addStartupListener(new StartupListener() {
            @Override
            public void onCamelContextStarted(CamelContext context, boolean alreadyStarted) {
                if (alreadyStarted) {
                    return;
                }
                VertxPlatformHttpRouter router = VertxPlatformHttpRouter.lookup(context,
                        VertxPlatformHttpRouter.getRouterNameFromPort(port));
                if (router == null) {
                    throw new IllegalStateException("No HTTP server on port " + port + " (" + setting + ")");
                }
                install.accept(router);
            }
        });
    }
}
