package titorelay;

import org.apache.camel.main.Main;

/**
 * Starts tito-relay: Camel Main reading {@code ./application.properties} and the YAML routes in {@code ./routes}.
 * Every property can be overridden with {@code -Dkey=value} or an environment variable (e.g. TITO_SECURITY_TOKENS).
 */
public final class RelayMain {

    public static final String PROPERTIES = "file:application.properties";

    private RelayMain() {
    }

    public static Main create() {
        Main main = new Main(RelayMain.class);
        main.setPropertyPlaceholderLocations(PROPERTIES);
        return main;
    }

    public static void main(String[] args) throws Exception {
        int exitCode = create().run(args);
        if (exitCode != 0) {
            System.exit(exitCode);
        }
    }
}
