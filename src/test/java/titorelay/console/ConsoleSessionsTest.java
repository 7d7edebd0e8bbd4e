package titorelay.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

/** Sessions end when idle and stay few; the login wait doubles per address and a success clears it. */
class ConsoleSessionsTest {

    /** A clock the test moves. */
    private static final class TestClock extends Clock {
        Instant now = Instant.parse("2026-11-27T12:00:00Z");

        @Override
        public ZoneId getZone() {
            return ZoneId.of("UTC");
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }

    @Test
    void aSessionEndsAfterEightIdleHoursButUseKeepsItAlive() {
        TestClock clock = new TestClock();
        ConsoleSessions sessions = new ConsoleSessions(clock);
        ConsoleSessions.Session session = sessions.open();
        clock.now = clock.now.plus(Duration.ofHours(7));
        assertNotNull(sessions.find(session.id()), "used after 7 hours");
        clock.now = clock.now.plus(Duration.ofHours(7));
        assertNotNull(sessions.find(session.id()), "7 hours after its last use");
        clock.now = clock.now.plus(Duration.ofHours(8).plusSeconds(1));
        assertNull(sessions.find(session.id()), "idle for more than 8 hours");
    }

    @Test
    void beyondAHundredSessionsTheLeastRecentlyUsedEnds() {
        TestClock clock = new TestClock();
        ConsoleSessions sessions = new ConsoleSessions(clock);
        List<ConsoleSessions.Session> opened = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            opened.add(sessions.open());
            clock.now = clock.now.plusSeconds(1);
        }
        sessions.find(opened.get(0).id()); // the first is used again: the second is now the least recent
        clock.now = clock.now.plusSeconds(1);
        sessions.open();
        assertNotNull(sessions.find(opened.get(0).id()));
        assertNull(sessions.find(opened.get(1).id()));
        assertNotNull(sessions.find(opened.get(2).id()));
    }

    @Test
    void eachSessionHasItsOwnUnguessableCsrfToken() {
        ConsoleSessions sessions = new ConsoleSessions(new TestClock());
        ConsoleSessions.Session one = sessions.open();
        ConsoleSessions.Session two = sessions.open();
        assertNotEquals(one.csrfToken(), two.csrfToken());
        assertNotEquals(one.id(), one.csrfToken());
        assertEquals(43, one.csrfToken().length(), "256 random bits, URL-safe Base64");
        assertTrue(one.acceptsCsrf(one.csrfToken()));
        assertFalse(one.acceptsCsrf(two.csrfToken()));
        assertFalse(one.acceptsCsrf(null));
        assertFalse(one.acceptsCsrf(""));
    }

    @Test
    void theLoginWaitDoublesPerWrongPasswordUpToAMinuteAndPerAddress() {
        TestClock clock = new TestClock();
        LoginThrottle throttle = new LoginThrottle(1000, clock);
        assertEquals(0, throttle.waitMillis("10.0.0.1"));
        long[] expected = {1000, 2000, 4000, 8000, 16000, 32000, 60000, 60000};
        for (long wait : expected) {
            assertEquals(wait, throttle.failed("10.0.0.1"));
            assertEquals(wait, throttle.waitMillis("10.0.0.1"));
        }
        assertEquals(0, throttle.waitMillis("10.0.0.2"), "another address is not slowed by the first");
        clock.now = clock.now.plusSeconds(59);
        assertEquals(1000, throttle.waitMillis("10.0.0.1"));
        throttle.succeeded("10.0.0.1");
        assertEquals(0, throttle.waitMillis("10.0.0.1"));
        assertEquals(1000, throttle.failed("10.0.0.1"), "a success starts the doubling again");
    }

    @Test
    void anIpv6ClientWaitsForItsWholeSlash64() {
        LoginThrottle throttle = new LoginThrottle(1000, new TestClock());
        assertEquals(1000, throttle.failed("2001:db8:0:1::1"));
        assertEquals(1000, throttle.waitMillis("2001:db8:0:1:ffff:ffff:ffff:ffff"), "another address of the same /64");
        assertEquals(1000, throttle.waitMillis("2001:0db8:0000:0001:0:0:0:2"), "the same network, written out");
        assertEquals(2000, throttle.failed("2001:db8:0:1::abcd"), "a failure from it doubles the network's wait");
        assertEquals(0, throttle.waitMillis("2001:db8:0:2::1"), "the next /64 is another client");
        assertEquals(0, throttle.waitMillis("10.0.0.1"));
        throttle.succeeded("2001:db8:0:1::99");
        assertEquals(0, throttle.waitMillis("2001:db8:0:1::1"), "a success from the network clears it");
    }
}
