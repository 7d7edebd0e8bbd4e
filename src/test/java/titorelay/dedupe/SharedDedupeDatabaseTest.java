package titorelay.dedupe;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import titorelay.support.DeliveryKeys;
import titorelay.support.Tickets;
import titorelay.support.TestRelay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static titorelay.support.TestRelay.await;

/** Several relays dedupe together in one database server, reached with a user and a password. */
class SharedDedupeDatabaseTest {

    private static final Duration PATIENCE = Duration.ofSeconds(20);

    @TempDir
    Path work;

    @RegisterExtension
    final DatabaseServer database = new DatabaseServer();

    @Test
    void aSecondRelayOnTheSameDatabaseDropsTheFirstOnesRepeat() throws Exception {
        Map<String, String> shared = Map.of("relay.dedupe.jdbc-url", database.url,
                "relay.dedupe.jdbc-user", DatabaseServer.USER, "relay.dedupe.jdbc-password", DatabaseServer.PASSWORD);
        byte[] first = Tickets.ticket("ti_shared", "complete", "Shared Person", "2022-03-26 08:00:00 UTC");
        byte[] sentinel = Tickets.ticket("ti_sentinel", "complete", "Sentinel Person", "2022-03-26 09:00:00 UTC");
        try (TestRelay one = TestRelay.start(work.resolve("one"), shared);
             TestRelay two = TestRelay.start(work.resolve("two"), shared)) {
            assertEquals(202, one.send("ticket.updated", first).status());
            await("the first relay's row", PATIENCE, () -> sheetContains(one, "ti_shared"));
            await("the first relay to record it", PATIENCE, () -> database.dispatchedKeys().contains(DeliveryKeys.key("ticket.updated", first)));

            assertEquals(202, two.send("ticket.updated", first).status(), "Tito sends it again, to the other relay");
            assertEquals(202, two.send("ticket.updated", sentinel).status());
            await("the second relay's sentinel row", PATIENCE, () -> sheetContains(two, "ti_sentinel"));
            assertFalse(sheetContains(two, "ti_shared"), "the repeat was dropped, not dispatched again");
            assertEquals(1.0, two.counter("tito_webhooks_duplicates_total"));
            assertEquals(Set.of(DeliveryKeys.key("ticket.updated", first), DeliveryKeys.key("ticket.updated", sentinel)), database.dispatchedKeys());
        }
        assertFalse(Files.exists(work.resolve("one").resolve("dedupe")), "no embedded database besides the shared one");
        assertFalse(Files.exists(work.resolve("two").resolve("dedupe")));
    }

    private static boolean sheetContains(TestRelay relay, String slug) {
        Path csv = relay.dataDir().resolve("sheets").resolve("Tickets.csv");
        return TestRelay.uncheck(() -> Files.exists(csv) && Files.readString(csv).contains(slug));
    }
}
