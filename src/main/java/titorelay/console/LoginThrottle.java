package titorelay.console;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Clock;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Slows down password guessing: after a failed login from a client address, that address may not try again for a
 * while, the wait doubling with each failure in a row (from {@code relay.console.login-delay-ms} up to a minute). A
 * try during the wait is refused without looking at the password. A success clears the address's failures. Only the
 * latest {@link #TRACKED} addresses are remembered, so that many addresses cannot fill the memory.
 * <p>
 * An IPv6 client counts by its /64 network: one host is usually given a whole /64, and would otherwise have a
 * fresh address, with no wait, for every guess.
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
        Failures failures = byAddress.get(client(address));
        return failures == null ? 0 : Math.max(0, failures.waitUntilMillis() - clock.millis());
    }

    /** A wrong password from this address: its next try must wait; returns how long. */
    synchronized long failed(String address) {
        String client = client(address);
        Failures before = byAddress.get(client);
        int inARow = before == null ? 1 : before.inARow() + 1;
        long wait = Math.min(MAX_WAIT_MILLIS, firstWaitMillis << Math.min(inARow - 1, 20));
        byAddress.put(client, new Failures(inARow, clock.millis() + wait));
        return wait;
    }

    synchronized void succeeded(String address) {
        byAddress.remove(client(address));
    }

    /** Who is counted: an IPv4 address as it is, an IPv6 address by its /64 network (its first 8 bytes, in hex). */
    static String client(String address) {
        if (address.indexOf(':') < 0) {
            return address;
        }
        try {
            byte[] bytes = InetAddress.getByName(address).getAddress(); // a literal: no name is looked up
            if (bytes.length != 16) {
                return address; // an IPv4-mapped IPv6 address comes back as IPv4
            }
            return HexFormat.of().formatHex(Arrays.copyOf(bytes, 8)) + "::/64";
        } catch (UnknownHostException notAnAddress) {
            return address;
        }
    }
}
