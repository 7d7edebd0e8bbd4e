package titorelay.console;

import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Slows down password guessing: after a failed login from a client address, that address may not try again for a
 * while, the wait doubling with each failure in a row (from {@code relay.console.login-delay-ms} up to a minute). A
 * try during the wait is refused without looking at the password. A success clears the address's failures. Only the
 * latest {@link #TRACKED} addresses are remembered, so that many addresses cannot fill the memory.
 */
final class LoginThrottle {

    static final long MAX_WAIT_MILLIS = 60_000;
    static final int TRACKED = 10_000;

    private record Failures(int inARow, long waitUntilMillis) {
    }

    private final long firstWaitMillis;
    private final Clock clock;
    private final Map<String, Failures> byAddress = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Failures> eldest) {
            return size() > TRACKED;
        }
    };

    LoginThrottle(long firstWaitMillis, Clock clock) {
        this.firstWaitMillis = firstWaitMillis;
        this.clock = clock;
    }

    /** Milliseconds this address must still wait before its next try; 0 if it may try now. */
    synchronized long waitMillis(String address) {
        Failures failures = byAddress.get(address);
        return failures == null ? 0 : Math.max(0, failures.waitUntilMillis() - clock.millis());
    }

    /** A wrong password from this address: its next try must wait; returns how long. */
    synchronized long failed(String address) {
        Failures before = byAddress.get(address);
        int inARow = before == null ? 1 : before.inARow() + 1;
        long wait = Math.min(MAX_WAIT_MILLIS, firstWaitMillis << Math.min(inARow - 1, 20));
        byAddress.put(address, new Failures(inARow, clock.millis() + wait));
        return wait;
    }

    synchronized void succeeded(String address) {
        byAddress.remove(address);
    }
}
