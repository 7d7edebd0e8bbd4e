package titorelay.console;

import java.util.HashMap;
import java.util.Map;

import io.vertx.core.http.Cookie;
import io.vertx.core.http.CookieSameSite;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.RoutingContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Logging in and out, and the gate in front of every other page: no page without a session (a browser is sent to the
 * login page), no change without the session's CSRF token (refused with 403).
 */
final class ConsoleAccess {

    static final String COOKIE = "tito-console";
    static final String CSRF_FIELD = "csrf";
    /** Where a page finds the session the gate let through. */
    static final String SESSION = "titoConsoleSession";
    private static final Logger LOG = LoggerFactory.getLogger(ConsoleAccess.class);

    private final ConsolePassword password;
    private final ConsoleSessions sessions;
    private final LoginThrottle throttle;
    private final ConsoleView view;

    ConsoleAccess(ConsolePassword password, ConsoleSessions sessions, LoginThrottle throttle, ConsoleView view) {
        this.password = password;
        this.sessions = sessions;
        this.throttle = throttle;
        this.view = view;
    }

    void loginPage(RoutingContext ctx) {
        view.render(ctx, 200, "login", Map.of());
    }

    void login(RoutingContext ctx) {
        String address = ctx.request().remoteAddress() == null ? "unknown" : ctx.request().remoteAddress().host();
        long wait = throttle.waitMillis(address);
        if (wait > 0) {
            // Not even compared: a guess during the wait tells nothing.
            long seconds = Math.max(1, (wait + 999) / 1000);
            ctx.response().putHeader("Retry-After", String.valueOf(seconds));
            view.render(ctx, 429, "login", Map.of("error", "Too many wrong passwords: try again in " + seconds + " s."));
            return;
        }
        if (!password.matches(ctx.request().getFormAttribute("password"))) {
            long next = throttle.failed(address);
            LOG.warn("Wrong console password from {}; the next try from there waits {} ms", address, next);
            view.render(ctx, 401, "login", Map.of("error", "Wrong password."));
            return;
        }
        throttle.succeeded(address);
        ConsoleSessions.Session session = sessions.open();
        ctx.response().addCookie(Cookie.cookie(COOKIE, session.id()).setPath("/console").setHttpOnly(true)
                .setSameSite(CookieSameSite.STRICT));
        ConsoleView.seeOther(ctx, "/console");
    }

    void logout(RoutingContext ctx) {
        sessions.close(sessionId(ctx));
        ctx.response().addCookie(Cookie.cookie(COOKIE, "").setPath("/console").setHttpOnly(true)
                .setSameSite(CookieSameSite.STRICT).setMaxAge(0));
        ConsoleView.seeOther(ctx, "/console/login");
    }

    /** The gate: lets a logged-in browser through (a POST only with its CSRF token), sends others to the login. */
    void requireSession(RoutingContext ctx) {
        ConsoleSessions.Session session = sessions.find(sessionId(ctx));
        if (session == null) {
            if (ctx.request().method() == HttpMethod.GET || ctx.request().method() == HttpMethod.HEAD) {
                ConsoleView.seeOther(ctx, "/console/login");
            } else {
                view.render(ctx, 403, "refused", Map.of("reason", "Log in first."));
            }
            return;
        }
        if (ctx.request().method() != HttpMethod.GET && ctx.request().method() != HttpMethod.HEAD
            && !session.acceptsCsrf(ctx.request().getFormAttribute(CSRF_FIELD))) {
            view.render(ctx, 403, "refused", Map.of("reason",
                    "The form's CSRF token is missing or wrong: nothing was changed. Reload the page and try again."));
            return;
        }
        ctx.put(SESSION, session);
        ctx.next();
    }

    /** The scope every page starts from: the CSRF token for its forms (the logout button at least). */
    static Map<String, Object> pageScope(RoutingContext ctx, String section) {
        Map<String, Object> scope = new HashMap<>();
        ConsoleSessions.Session session = ctx.get(SESSION);
        scope.put("csrf", session.csrfToken());
        scope.put("nav_" + section, Boolean.TRUE);
        return scope;
    }

    private static String sessionId(RoutingContext ctx) {
        Cookie cookie = ctx.request().getCookie(COOKIE);
        return cookie == null ? null : cookie.getValue();
    }
}
