package titorelay.storage;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import org.apache.camel.CamelContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import titorelay.settings.Settings;
import titorelay.signature.SecurityTokens;

/**
 * The relay's data directory (relay.data-dir), readable by the relay's user only: it is closed at each start, with
 * what the relay keeps in it, including what an older version left readable by others. Only the relay's own
 * entries are touched, in case the directory is shared with something else.
 */
public final class DataDirectory {

    private static final Logger LOG = LoggerFactory.getLogger(DataDirectory.class);

    /** Used on every run: created owner-only before anything writes there. */
    private static final List<String> ALWAYS = List.of("inbox-journal", "inbox", "dead-letters");
    /** Made by the sinks and stores that are configured. */
    private static final List<String> SOMETIMES = List.of("dedupe", "sheets", "outbox", "tito-api", "delivery-log",
            SecurityTokens.GENERATED_TOKEN_FILE);

    /** Where the first package to ask finds the data directory it secured, for the others. */
    private static final String BOUND_AS = "relayDataDir";

    private DataDirectory() {
    }

    /** The relay's data directory ({@code relay.data-dir}), secured at the first call of a start. */
    public static Path of(CamelContext camelContext) throws IOException {
        Path secured = camelContext.getRegistry().lookupByNameAndType(BOUND_AS, Path.class);
        if (secured == null) {
            secured = secure(Path.of(Settings.of(camelContext).text("relay.data-dir")));
            camelContext.getRegistry().bind(BOUND_AS, Path.class, secured);
        }
        return secured;
    }

    private static Path secure(Path dataDir) throws IOException {
        OwnerOnly.directory(dataDir);
        for (String entry : ALWAYS) {
            try {
                OwnerOnly.directory(dataDir.resolve(entry));
            } catch (IOException e) {
                // Still start: webhooks can be taken into the journal, and health says what is wrong with this one.
                LOG.warn("Cannot create {} as a directory: {}", dataDir.resolve(entry), e.toString());
            }
        }
        for (String entry : Stream.concat(ALWAYS.stream(), SOMETIMES.stream()).toList()) {
            if (Files.exists(dataDir.resolve(entry))) {
                OwnerOnly.restrictTree(dataDir.resolve(entry));
            }
        }
        return dataDir;
    }
}
