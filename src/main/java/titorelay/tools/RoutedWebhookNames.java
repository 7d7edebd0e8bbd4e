package titorelay.tools;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;
import titorelay.ingress.TitoWebhookNames;

/**
 * The webhook names that routes/routing.yaml sends to at least one sink: the branches of its choice whose
 * {@code sinks} variable is not empty, among the names Tito sends (a branch for a name of the relay's own, such as
 * what reconciliation finds, is no trigger). These are the triggers a Tito webhook endpoint of the relay includes.
 */
public final class RoutedWebhookNames {

    private static final Pattern NAME = Pattern.compile("\\$\\{header\\.X-Webhook-Name}\\s*==\\s*'([^']+)'");

    private RoutedWebhookNames() {
    }

    public static List<String> read(Path routingFile) throws IOException {
        Object document;
        try (Reader reader = Files.newBufferedReader(routingFile)) {
            document = new Load(LoadSettings.builder().build()).loadFromReader(reader);
        }
        List<String> names = new ArrayList<>();
        collect(document, names);
        if (names.isEmpty()) {
            throw new IllegalArgumentException(routingFile + " sends no webhook name to a sink; there is nothing to connect");
        }
        return names;
    }

    /** Walks the YAML for {@code when} branches: a simple test of the name, and a non-empty sinks line. */
    private static void collect(Object node, List<String> names) {
        if (node instanceof List<?> list) {
            list.forEach(item -> collect(item, names));
        } else if (node instanceof Map<?, ?> map) {
            Object simple = map.get("simple");
            Matcher name = simple instanceof String test ? NAME.matcher(test) : null;
            if (name != null && name.find() && map.get("steps") instanceof List<?> steps) {
                if (steps.stream().anyMatch(RoutedWebhookNames::setsSinks) && TitoWebhookNames.isTitos(name.group(1))
                    && !names.contains(name.group(1))) {
                    names.add(name.group(1));
                }
                return;
            }
            map.values().forEach(value -> collect(value, names));
        }
    }

    private static boolean setsSinks(Object step) {
        if (step instanceof Map<?, ?> map && map.get("setVariable") instanceof Map<?, ?> variable) {
            return "sinks".equals(variable.get("name")) && variable.get("constant") instanceof String sinks
                   && !sinks.isBlank();
        }
        return false;
    }
}
