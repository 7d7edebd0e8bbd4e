package titorelay.tito;

import java.net.URI;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;

/**
 * The settings of the Admin API mirror (names as in application.properties). The token is kept out of
 * {@link #toString()}, so that no log line or exception can show it.
 */
public record TitoApiSettings(String token, URI apiUrl, String account, List<String> events, long reconcileIntervalMs) {

    public static TitoApiSettings from(Function<String, String> setting) {
        String token = setting.apply("tito.api-token").strip();
        String url = setting.apply("tito.api-url").strip().replaceAll("/+$", "");
        if (!url.startsWith("https://") && !url.startsWith("http://")) {
            throw new IllegalArgumentException("tito.api-url must be an http(s) URL, such as https://api.tito.io/v3; it is '"
                                               + url + "'");
        }
        List<String> events = Arrays.stream(setting.apply("tito.events").split(",")).map(String::strip)
                .filter(s -> !s.isEmpty()).toList();
        String interval = setting.apply("tito.reconcile-interval-ms").strip();
        TitoApiSettings settings = new TitoApiSettings(token, URI.create(url), setting.apply("tito.account").strip(),
                events, interval.isEmpty() ? 0 : Long.parseLong(interval));
        if (settings.enabled() && (settings.account.isEmpty() || events.isEmpty())) {
            throw new IllegalArgumentException("tito.api-token is set, so the relay mirrors Tito through its Admin API,"
                                               + " but " + (settings.account.isEmpty() ? "tito.account" : "tito.events")
                                               + " is empty: set tito.account to your account slug and tito.events to"
                                               + " the comma-separated event slugs (as in https://ti.to/ACCOUNT/EVENT)");
        }
        return settings;
    }

    /** With no token there is no API use at all. */
    public boolean enabled() {
        return !token.isEmpty();
    }

    @Override
    public String toString() {
        return "Tito API " + apiUrl + " account " + account + " events " + events;
    }
}
