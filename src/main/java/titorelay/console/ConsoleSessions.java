package titorelay.console;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.Comparator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Who is logged in to the console: a random session id in a cookie, each session with its own CSRF token that every
 * change (a POST) must carry. Sessions live in memory (a restart logs everyone out), end after {@link #IDLE} without
 * use, and are few: beyond {@link #MAX_SESSIONS} the least recently used one ends.
 */
final class ConsoleSessions {

    static final Duration IDLE = Duration.ofHours(8);
    static final int MAX_SESSIONS = 100;

    /** One logged-in browser. */
    record Session(String id, String csrfToken, long[] lastUsedMillis) {

        boolean acceptsCsrf(String token) {
            return token != null && MessageDigest.isEqual(csrfToken.getBytes(StandardCharsets.UTF_8),
                    token.getBytes(StandardCharsets.UTF_8));
        }
    }

    private final SecureRandom random = new SecureRandom();
    private final Map<String, Session> sessions = new ConcurrentHashMap<>();
    private final Clock clock;

    ConsoleSessions(Clock clock) {
        this.clock = clock;
    }

    /** A new session, after a successful login. */
    Session open() {
        long now = clock.millis();
        sessions.values().removeIf(session -> expired(session, now));
        while (sessions.size() >= MAX_SESSIONS) {
            sessions.values().stream().min(Comparator.comparingLong(s -> s.lastUsedMillis()[0]))
                    .ifPresent(oldest -> sessions.remove(oldest.id()));
        }
        Session session = new Session(randomToken(), randomToken(), new long[] {now});
        sessions.put(session.id(), session);
        return session;
    }

    /** The live session of this id, its idle time restarted; null for none, an unknown or an expired one. */
    Session find(String id) {
        if (id == null) {
            return null;
        }
        Session session = sessions.get(id);
        long now = clock.millis();
        if (session == null || expired(session, now)) {
            if (session != null) {
                sessions.remove(id);
            }
            return null;
        }
        session.lastUsedMillis()[0] = now;
        return session;
    }

    void close(String id) {
        if (id != null) {
            sessions.remove(id);
        }
    }

    private static boolean expired(Session session, long now) {
        return now - session.lastUsedMillis()[0] > IDLE.toMillis();
    }

    private String randomToken() {
        byte[] bytes = new byte[32];
        random.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }
}
