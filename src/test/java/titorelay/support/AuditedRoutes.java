package titorelay.support;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.MatchResult;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The real route files, copied, with one more sink at the end of every name's line in routing.yaml, as a user adds
 * an endpoint there: {@code direct:audit}, which appends the key of each delivery that went through its sinks to
 * {@code audit/dispatched.txt} in the data directory. A test reads that file to see which deliveries were dispatched,
 * how often and in which order, without depending on any log line a user may edit.
 */
public final class AuditedRoutes {

    private static final Pattern SINKS_LINE = Pattern.compile("(name: sinks, constant: \")([^\"]*)(\")");
    private static final Pattern KEY = Pattern.compile("[0-9a-f]{64}");

    private static final String AUDIT_ROUTE = """
            # Added by the tests: each delivery that went through its sinks appends its key to audit/dispatched.txt.
            - route:
                id: audit
                routeConfigurationId: sink
                from:
                  uri: direct:audit
                  steps:
                    - setBody:
                        simple: "${header.TitoDeliveryKey}"
                    - to: "file:{{relay.data-dir}}/audit?fileName=dispatched.txt&fileExist=Append&appendChars=\\\\n"
            """;

    private AuditedRoutes() {
    }

    /** Copies routes/ into {@code target} with the audit sink added; returns the settings that load the copy. */
    public static Map<String, String> install(Path target) throws IOException {
        Path routes = TestRelay.copyOf(Path.of("routes"), target);
        Path routing = routes.resolve("routing.yaml");
        Matcher line = SINKS_LINE.matcher(Files.readString(routing));
        StringBuilder edited = new StringBuilder();
        int lines = 0;
        while (line.find()) {
            String sinks = line.group(2).isEmpty() ? "direct:audit" : line.group(2) + ",direct:audit";
            line.appendReplacement(edited, Matcher.quoteReplacement(line.group(1) + sinks + line.group(3)));
            lines++;
        }
        line.appendTail(edited);
        if (lines < 15) {
            throw new IllegalStateException("routing.yaml has " + lines + " sinks lines, not one per Tito webhook name");
        }
        Files.writeString(routing, edited);
        Files.writeString(routes.resolve("audit.yaml"), AUDIT_ROUTE);
        return Map.of("camel.main.routes-include-pattern", "file:" + routes + "/*.yaml",
                "camel.main.routes-reload-directory", routes.toString());
    }

    /** The keys of the deliveries dispatched so far, in order, once per time each went through its sinks. */
    public static List<String> dispatched(Path dataDir) throws IOException {
        Path audit = dataDir.resolve("audit").resolve("dispatched.txt");
        if (!Files.exists(audit)) {
            return List.of();
        }
        // Each key is written, then its newline: a kill in between leaves the next key on the same line.
        return KEY.matcher(Files.readString(audit)).results().map(MatchResult::group).toList();
    }
}
