package titorelay.support;

import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The ports tests bind: the test JVMs run side by side, and one's relay must never get a port another one gave out. */
class FreePortTest {

    @Test
    void portsComeFromThisTestJvmsOwnRangeBelowTheEphemeralPorts() throws Exception {
        Integer forkNumber = Integer.getInteger("tests.fork-number");
        assertNotNull(forkNumber, "the build tells each test JVM its number: " + System.getProperty("tests.fork-number"));
        int first = 20_000 + 2_000 * forkNumber;
        int firstEphemeral = firstEphemeralPort();
        for (int i = 0; i < 50; i++) {
            int port = TestRelay.freePort();
            assertTrue(port >= first && port < first + 2_000, port + " is in test JVM " + forkNumber + "'s range");
            assertTrue(port < firstEphemeral, port + " is below the ephemeral ports, from " + firstEphemeral);
        }
    }

    @Test
    void aPortIsHandedOutOnceAndIsFreeWhenHandedOut() throws Exception {
        Set<Integer> handedOut = new HashSet<>();
        for (int i = 0; i < 200; i++) {
            int port = TestRelay.freePort();
            assertTrue(handedOut.add(port), port + " handed out twice");
            try (ServerSocket socket = new ServerSocket()) {
                socket.bind(new InetSocketAddress(port));
            }
        }
    }

    @Test
    void aPortInUseIsSkipped() throws Exception {
        int next = TestRelay.freePort() + 1;
        try (ServerSocket taken = new ServerSocket()) {
            taken.bind(new InetSocketAddress(next));
            int port = TestRelay.freePort();
            assertTrue(port != next, "the bound port " + next + " was skipped, got " + port);
        }
    }

    private static int firstEphemeralPort() throws Exception {
        Path range = Path.of("/proc/sys/net/ipv4/ip_local_port_range");
        return Files.isReadable(range) ? Integer.parseInt(Files.readAllLines(range).get(0).trim().split("\\s+")[0]) : 32_768;
    }
}
