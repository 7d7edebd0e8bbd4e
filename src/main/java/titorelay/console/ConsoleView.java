package titorelay.console;

import java.io.IOException;
import java.io.InputStream;
import java.io.StringWriter;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import com.github.mustachejava.DefaultMustacheFactory;
import com.github.mustachejava.Mustache;
import com.github.mustachejava.MustacheFactory;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;

/**
 * Renders the console's pages from the Mustache templates in {@code console/} on the class path. Mustache escapes
 * every {@code {{value}}} as HTML, so a payload value (an attendee named {@code <script>}) shows as text. Every answer
 * forbids scripts, frames, caching and outside assets: the pages work without JavaScript and load nothing from
 * elsewhere.
 */
final class ConsoleView {

    static final String HTML = "text/html; charset=utf-8";

    private final byte[] style = styleSheet();
    private final MustacheFactory templates = new DefaultMustacheFactory("console");
    private final Map<String, Mustache> compiled = new ConcurrentHashMap<>();

    /** Answers with the page {@code template} filled from {@code scope}. */
    void render(RoutingContext ctx, int status, String template, Map<String, Object> scope) {
        StringWriter html = new StringWriter();
        compiled.computeIfAbsent(template, name -> templates.compile(name + ".mustache")).execute(html, scope);
        secured(ctx.response()).setStatusCode(status).putHeader("Content-Type", HTML).end(html.toString());
    }

    /** The pages' one style sheet, from the relay itself (nothing is loaded from elsewhere). */
    void styleSheet(RoutingContext ctx) {
        secured(ctx.response()).putHeader("Content-Type", "text/css; charset=utf-8").end(Buffer.buffer(style));
    }

    private static byte[] styleSheet() {
        try (InputStream css = ConsoleView.class.getResourceAsStream("/console/style.css")) {
            return css.readAllBytes();
        } catch (IOException | NullPointerException e) {
            throw new IllegalStateException("The console's style sheet is missing from the class path", e);
        }
    }

    /** A redirect after a form, so that reloading the page does not send it again. */
    static void seeOther(RoutingContext ctx, String location) {
        secured(ctx.response()).setStatusCode(303).putHeader("Location", location).end();
    }

    static HttpServerResponse secured(HttpServerResponse response) {
        return response
                .putHeader("Content-Security-Policy", "default-src 'none'; style-src 'self'; img-src 'self';"
                        + " form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
                .putHeader("X-Content-Type-Options", "nosniff")
                .putHeader("X-Frame-Options", "DENY")
                .putHeader("Referrer-Policy", "no-referrer")
                .putHeader("Cache-Control", "no-store");
    }
}
