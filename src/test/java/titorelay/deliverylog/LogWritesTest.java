package titorelay.deliverylog;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A line written after its delivery failed: its attempts are in the store before the line is. */
class LogWritesTest {

    @Test
    void aReaderWhoSeesAFailedLineAlsoSeesItsAttempts(@TempDir Path dir) throws Exception {
        String id = "20261128T060000.000Z-000000001-ticket.voided.webhook";
        Instant at = Instant.parse("2026-11-28T06:00:00Z");
        List<Integer> attemptsWhenTheLineWasPut = new ArrayList<>();
        try (LogStore store = LogStore.open(dir); BodyFiles bodies = new BodyFiles(dir.resolve("bodies"))) {
            store.faultBeforeEachNewLine(() -> attemptsWhenTheLineWasPut.add(store.attempts(id).size()));
            LogWrites writes = new LogWrites(store, bodies);
            writes.taken(new LogEvent.Taken(id, "ticket.voided", at.toString(), "key-1",
                    "{\"reference\":\"REF-DEAD\"}".getBytes(StandardCharsets.UTF_8), at));
            for (int failedTry = 1; failedTry <= 2; failedTry++) {
                writes.attempt(id, new Attempt(failedTry, at.plusSeconds(failedTry), "direct://spreadsheet",
                        "IllegalStateException: the sheet is down"));
            }
            writes.deadLetter(new LogEvent.DeadLetter(id, "not an envelope".getBytes(StandardCharsets.UTF_8),
                    id, at.plusSeconds(3)));
            writes.execute(at.plusSeconds(3).toEpochMilli(), false);

            assertEquals(List.of(3), attemptsWhenTheLineWasPut, "the line was put once, after its three attempts");
            assertEquals(Outcome.FAILED, store.line(id).outcome());
            assertEquals(List.of(1, 2, 0), store.attempts(id).stream().map(Attempt::number).toList(),
                    "two failed tries, then the dead letter's (its envelope unreadable here: number 0)");
        }
    }
}
