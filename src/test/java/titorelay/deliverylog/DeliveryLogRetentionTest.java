package titorelay.deliverylog;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import titorelay.support.TestRelay;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static titorelay.support.TestRelay.await;

/** Lines are kept for relay.console.retention-days, across restarts, then deleted. */
class DeliveryLogRetentionTest {

    private static final int OLD_LINES = 2 * LogRetention.BATCH + 7;

    @TempDir
    Path work;

    private static DeliveryLog logOf(TestRelay relay) {
        return (DeliveryLog) relay.camelContext().getRegistry()
                .lookupByNameAndType("deliveryHistory", DeliveryLogView.class);
    }

    /** A line received {@code age} ago, written through the log's own events, with a failed attempt and a sink. */
    private static void receivedAgo(DeliveryLog log, String reference, Duration age) {
        Instant at = Instant.now().minus(age);
        String id = at + "-" + reference + ".webhook";
        byte[] body = ("{\"reference\":\"" + reference + "\"}").getBytes(StandardCharsets.UTF_8);
        log.record(new LogEvent.Taken(id, "ticket.updated", at.toString(), "key-" + reference, body, at));
        log.record(new LogEvent.FailedTry(id, new Attempt(1, at, "spreadsheet", "down")));
        log.record(new LogEvent.SinkDid(id, new SinkResult("spreadsheet", "row written", at), null));
        log.record(new LogEvent.OutcomeChanged(id, Outcome.DONE, null, at));
    }

    @Test
    void linesOlderThanTheRetentionAreDeletedAtStartAndTheRestSurviveTheRestart() throws Exception {
        Path data = Files.createDirectories(work.resolve("data"));
        Map<String, String> settings = Map.of("relay.console.retention-days", "30");
        byte[] body = DeliveryLogTest.withSlug("RECENT-1");
        String recentId;
        try (TestRelay relay = TestRelay.start(data, settings)) {
            DeliveryLog log = logOf(relay);
            assertEquals(202, relay.send("ticket.updated", body).status());
            recentId = DeliveryLogTest.awaitLine(log, "RECENT-1", Outcome.DONE).id();
            for (int i = 0; i < OLD_LINES; i++) {
                receivedAgo(log, "OLD-" + i, Duration.ofDays(31));
            }
            receivedAgo(log, "KEPT-29-DAYS", Duration.ofDays(29));
            await("every line written", DeliveryLogTest.PATIENCE, () -> log.count(LogFilter.all()) == OLD_LINES + 2);
            assertEquals(OLD_LINES, log.count(new LogFilter(null, null, "OLD-")), "kept until the next trim");
        }

        try (TestRelay relay = TestRelay.start(data, settings)) {
            DeliveryLog log = logOf(relay);
            await("the old lines trimmed", DeliveryLogTest.PATIENCE, () -> log.count(LogFilter.all()) == 2);
            assertEquals(0, log.count(new LogFilter(null, null, "OLD-")));
            assertEquals(1, log.count(new LogFilter(null, null, "KEPT-29-DAYS")));
            DeliveryDetails recent = log.details(recentId).orElseThrow();
            assertEquals(Outcome.DONE, recent.delivery().outcome(), "as it was before the restart");
            assertArrayEquals(body, recent.body());
            assertEquals("RECENT-1", recent.row().get("Slug"));
            String kept = log.newestFirst(new LogFilter(null, null, "KEPT-29-DAYS"), 0, 1).get(0).id();
            assertEquals(1, log.details(kept).orElseThrow().attempts().size());
            // The ids map holds only the lines not found from their name: here the one kept of this test's made-up
            // names (an Instant, not an inbox name's shape); the relay's own delivery is found from its name.
            assertEquals(Map.of("lines", 2L, "ids", 1L, "attempts", 1L), log.store().sizes(),
                    "the old lines' ids and attempts are gone with them");
        }
    }
}
