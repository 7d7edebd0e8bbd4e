package titorelay.console;

import java.nio.file.Path;
import java.time.Clock;
import java.util.function.Supplier;

import io.vertx.core.Handler;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import titorelay.deliverylog.DeliveryLogView;
import titorelay.http.HttpServers;
import titorelay.settings.Settings;
import titorelay.storage.DataDirectory;

/**
 * The console at {@code /console} on the management port: log in, see the deliveries, replay dead letters.
 * {@code /observe/health} and {@code /observe/metrics} beside it stay open, for load balancers and Prometheus.
 */
public final class ConsoleWiring implements CamelConfiguration {

    /** A login or replay form is a few hundred bytes; nothing bigger is read. */
    static final int MAX_FORM_BYTES = 16 * 1024;
    /** Where the delivery log is found in the registry (bound by its own wiring, unless it is off). */
    static final String DELIVERY_LOG = "deliveryHistory";
    private static final Logger LOG = LoggerFactory.getLogger(ConsoleWiring.class);

    @Override
    public void configure(CamelContext camelContext) throws Exception {
        Settings settings = Settings.of(camelContext);
        if (!Boolean.parseBoolean(settings.text("relay.console.enabled", "true"))) {
            return;
        }
        Path dataDir = DataDirectory.of(camelContext);
        ConsolePassword password = ConsolePassword.configuredOrGenerated(settings.text("relay.console.password", ""),
                dataDir);
        Clock clock = Clock.systemUTC();
        ConsoleView view = new ConsoleView();
        ConsoleAccess access = new ConsoleAccess(password, new ConsoleSessions(clock),
                new LoginThrottle(settings.integer("relay.console.login-delay-ms"), clock), view);
        Supplier<DeliveryLogView> deliveryLog = () -> camelContext.getRegistry()
                .lookupByNameAndType(DELIVERY_LOG, DeliveryLogView.class);
        ConsolePages pages = new ConsolePages(camelContext, deliveryLog, dataDir, view, clock);
        int port = settings.integer("camel.management.port");
        HttpServers.onceStarted(camelContext, port, "camel.management.port", router -> {
            install(router, view, access, pages);
            LOG.info("Console on http://{}:{}/console", settings.text("camel.management.host", "0.0.0.0"), port);
        });
    }

    private static void install(Router router, ConsoleView view, ConsoleAccess access, ConsolePages pages) {
        router.route("/console*").handler(BodyHandler.create(false).setBodyLimit(MAX_FORM_BYTES));
        router.get("/console/style.css").handler(view::styleSheet);
        router.get("/console/login").handler(access::loginPage);
        router.post("/console/login").handler(access::login);
        router.route("/console*").handler(access::requireSession);
        router.post("/console/logout").handler(access::logout);
        router.get("/console").blockingHandler(failSafe(pages::overview), false);
        router.get("/console/").blockingHandler(failSafe(pages::overview), false);
        router.get("/console/deliveries").blockingHandler(failSafe(pages::deliveries), false);
        router.get("/console/deliveries/:id").blockingHandler(failSafe(pages::delivery), false);
        router.get("/console/dead-letters").blockingHandler(failSafe(pages::deadLetterList), false);
        router.get("/console/replay").blockingHandler(failSafe(pages::confirmReplay), false);
        router.post("/console/replay").blockingHandler(failSafe(pages::replay), false);
    }

    /** A page that fails answers 500 with the reason (never a stack trace), and the failure is logged. */
    private static Handler<RoutingContext> failSafe(Handler<RoutingContext> page) {
        return ctx -> {
            try {
                page.handle(ctx);
            } catch (RuntimeException e) {
                LOG.error("Console page {} failed", ctx.request().path(), e);
                if (!ctx.response().ended()) {
                    ConsoleView.secured(ctx.response()).setStatusCode(500).putHeader("Content-Type", "text/plain")
                            .end("The console could not show this page: " + e.getMessage() + "\n");
                }
            }
        };
    }
}
