package titorelay.tools;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.util.Properties;
import java.util.function.Function;

import titorelay.RelayMain;

/** The relay's settings as a tool run from the project root sees them: application.properties, the environment, -D. */
final class ToolSettings {

    private ToolSettings() {
    }

    static Function<String, String> load() throws IOException {
        Properties settings = new Properties();
        try (Reader reader = Files.newBufferedReader(RelayMain.PROPERTIES)) {
            settings.load(reader);
        }
        settings.putAll(RelayMain.environmentOverrides(System.getenv()));
        for (String key : System.getProperties().stringPropertyNames()) {
            if (settings.containsKey(key)) {
                settings.setProperty(key, System.getProperty(key));
            }
        }
        return key -> settings.getProperty(key, "").strip();
    }
}
