package titorelay.settings;

import java.util.function.Function;

import org.apache.camel.CamelContext;

/**
 * The relay's settings as Camel Main resolved them: application.properties, overridden by {@code -Dkey=value} and by
 * environment variables. Each key is read by the wiring of the one package it configures.
 */
public final class Settings implements Function<String, String> {

    private final CamelContext camelContext;

    private Settings(CamelContext camelContext) {
        this.camelContext = camelContext;
    }

    public static Settings of(CamelContext camelContext) {
        return new Settings(camelContext);
    }

    /** The value, or "" when the key is not set. */
    @Override
    public String apply(String key) {
        return text(key, "");
    }

    public String text(String key) {
        return apply(key);
    }

    public String text(String key, String defaultValue) {
        return camelContext.getPropertiesComponent().resolveProperty(key).orElse(defaultValue);
    }

    public int integer(String key) {
        return Integer.parseInt(number(key));
    }

    public long longInteger(String key) {
        return Long.parseLong(number(key));
    }

    public boolean flag(String key) {
        return Boolean.parseBoolean(text(key).strip());
    }

    private String number(String key) {
        String value = text(key).strip();
        if (!value.matches("-?[0-9]+")) {
            throw new IllegalArgumentException(key + " must be a whole number, not '" + value + "'");
        }
        return value;
    }
}
