package titorelay;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;

import org.apache.camel.CamelConfiguration;
import org.apache.camel.main.Main;
import titorelay.console.ConsoleWiring;
import titorelay.deliverylog.DeliveryLogWiring;
import titorelay.inbox.InboxWiring;
import titorelay.ingress.IngressWiring;
import titorelay.mail.MailWiring;
import titorelay.management.ManagementWiring;
import titorelay.sheets.SpreadsheetWiring;
import titorelay.signature.SignatureWiring;
import titorelay.threads.ThreadFailures;
import titorelay.tito.TitoApiWiring;

/**
 * Starts tito-relay: Camel Main reading {@code ./application.properties} and the YAML routes in {@code ./routes}.
 * Every property can be overridden with {@code -Dkey=value} or an environment variable (e.g. TITO_SECURITY_TOKENS).
 */
public final class RelayMain {

    public static final Path PROPERTIES = Path.of("application.properties");

    private RelayMain() {
    }

    /**
     * Each concern's wiring (the beans routes/ refers to by name), named here rather than found by Camel scanning the
     * titorelay package: the scan loads every class on the class path under it, and a test's class path has hundreds.
     */
    private static final List<Class<? extends CamelConfiguration>> WIRINGS = List.of(
            SignatureWiring.class, IngressWiring.class, InboxWiring.class, SpreadsheetWiring.class, MailWiring.class,
            TitoApiWiring.class, DeliveryLogWiring.class, ConsoleWiring.class, ManagementWiring.class);

    public static Main create() throws IOException {
        Main main = new Main();
        WIRINGS.forEach(main.configure()::addConfiguration);
        main.setPropertyPlaceholderLocations("file:" + PROPERTIES);
        environmentOverrides(System.getenv()).forEach(main::addOverrideProperty);
        return main;
    }

    /**
     * The environment variables that override a key of application.properties (the key upper-cased, '.' and '-' as
     * '_'). Camel resolves most of these by itself, but ignores any variable ending in _PORT (it takes those for
     * Kubernetes service links), so CAMEL_SERVER_PORT would silently do nothing.
     */
    public static Map<String, String> environmentOverrides(Map<String, String> environment) throws IOException {
        Properties keys = new Properties();
        try (Reader reader = Files.newBufferedReader(PROPERTIES)) {
            keys.load(reader);
        }
        Map<String, String> overrides = new java.util.TreeMap<>();
        for (String key : keys.stringPropertyNames()) {
            String variable = key.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
            if (environment.containsKey(variable)) {
                overrides.put(key, environment.get(variable));
            }
        }
        return overrides;
    }

    public static void main(String[] args) throws Exception {
        ThreadFailures.installDefaultHandler();
        int exitCode = create().run(args);
        if (exitCode != 0) {
            System.exit(exitCode);
        }
    }
}
