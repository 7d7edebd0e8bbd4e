package titorelay.deliverylog;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import titorelay.sheets.SheetColumns.RowChange;

/**
 * What the writer makes of events: a line written after its delivery failed has its attempts in the store before it;
 * a line's reference, name, email and slug come from dispatch's parse, or from its body when it had none.
 */
class LogWritesTest {

    private static final Instant AT = Instant.parse("2026-11-28T06:00:00Z");

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void aRowIsKeptAsItsCellsWithTheFillsItDoesNotSetThroughAReopenedStore(@TempDir Path dir) throws Exception {
        String id = "20261128T060000.000Z-000000001-ticket.updated.webhook";
        Map<String, String> set = new LinkedHashMap<>();
        set.put("Slug", "ti_1");
        set.put("Name", "Zoë \"Z\" <b>");
        set.put("Note", null);
        Map<String, String> fill = new LinkedHashMap<>();
        fill.put("Name", "not this: set wins");
        fill.put("First seen", "2026-11-28 06:00:00");
        RowChange row = new RowChange("Tickets", "ti_1", set, fill, AT);
        try (LogStore store = LogStore.open(dir); BodyFiles bodies = new BodyFiles(dir.resolve("bodies"))) {
            LogWrites writes = new LogWrites(store, bodies);
            writes.taken(new LogEvent.Taken(id, "ticket.updated", AT.toString(), "key-1", utf8("{}"), AT));
            writes.sinkDid(new LogEvent.SinkDid(id, new SinkResult("spreadsheet", "row written", AT), List.of(row)));
            writes.outcome(id, Outcome.DONE, Outcome.PENDING, AT.plusMillis(5), null, null, null);
            writes.execute(AT.plusMillis(10).toEpochMilli(), false);
        }

        Map<String, String> expected = new LinkedHashMap<>();
        expected.put("Slug", "ti_1");
        expected.put("Name", "Zoë \"Z\" <b>");
        expected.put("Note", null);
        expected.put("First seen", "2026-11-28 06:00:00");
        try (LogStore reopened = LogStore.open(dir)) {
            Map<String, String> shown = new LogQueries(reopened, dir.resolve("bodies")).details(id).orElseThrow().row();
            assertEquals(List.copyOf(expected.entrySet()), List.copyOf(shown.entrySet()),
                    "in order, the set cells then the fill not set");
        }
    }

    @Test
    void aRowOfSeveralRowChangesPrefixesTheOthersCellsWithTheirTabAndKey() {
        RowChange registration = new RowChange("Registrations", "reg_1", Map.of("Slug", "reg_1"), Map.of(), AT);
        RowChange ticket = new RowChange("Tickets", "ti_1", Map.of("State", "void"), Map.of("Slug", "ti_1"), AT);

        Map<String, String> cells = LogWrites.rowOf(LogWrites.rowCells(List.of(registration, ticket)));

        assertEquals(List.of(Map.entry("Slug", "reg_1"), Map.entry("Tickets ti_1: State", "void"),
                Map.entry("Tickets ti_1: Slug", "ti_1")), List.copyOf(cells.entrySet()));
    }

    @Test
    void aRowWrittenAsJsonByAnEarlierVersionIsStillShown() {
        assertEquals(List.of(Map.entry("Slug", "ti_1"), Map.entry("Name", "Zoë \"Z\"")),
                List.copyOf(LogWrites.rowOf("{\"Slug\":\"ti_1\",\"Name\":\"Zoë \\\"Z\\\"\"}").entrySet()));
    }

    @Test
    void aLineTakesItsFactsFromDispatchsParseWithoutReadingItsBodyAgain(@TempDir Path dir) throws Exception {
        String id = "20261128T060000.000Z-000000001-ticket.updated.webhook";
        try (LogStore store = LogStore.open(dir); BodyFiles bodies = new BodyFiles(dir.resolve("bodies"))) {
            LogWrites writes = new LogWrites(store, bodies);
            // The body says otherwise: the line shows what the event said, so the body was not parsed again.
            writes.taken(new LogEvent.Taken(id, "ticket.updated", AT.toString(), "key-1",
                    utf8("{\"reference\":\"IN-THE-BODY\"}"), AT));
            writes.facts(new LogEvent.Facts(id, new PayloadFacts("REF-TREE", "Ada Lovelace", "ada@example.com",
                    "ti_tree")));
            writes.outcome(id, Outcome.DONE, Outcome.PENDING, AT.plusMillis(5), null, null, null);
            writes.execute(AT.plusMillis(10).toEpochMilli(), false);

            StoredLine line = store.line(id);
            assertEquals(List.of("REF-TREE", "Ada Lovelace", "ada@example.com", "ti_tree"),
                    List.of(line.reference(), line.name(), line.email(), line.slug()));
        }
    }

    @Test
    void aLineWithoutFactsFromDispatchReadsThemFromItsBody(@TempDir Path dir) throws Exception {
        String repeat = "20261128T060000.000Z-000000002-ticket.updated.webhook";
        String late = "20261128T060000.000Z-000000003-ticket.updated.webhook";
        try (LogStore store = LogStore.open(dir); BodyFiles bodies = new BodyFiles(dir.resolve("bodies"))) {
            LogWrites writes = new LogWrites(store, bodies);
            // A repeat is dropped before dispatch parses it: no facts event.
            writes.taken(new LogEvent.Taken(repeat, "ticket.updated", AT.toString(), "key-2", utf8(
                    "{\"reference\":\"REF-R\",\"first_name\":\"Grace\",\"last_name\":\"Hopper\","
                    + "\"email\":\"grace@example.com\",\"slug\":{\"not\":\"text\"},\"release\":{\"name\":\"x\"}}"),
                    AT));
            writes.repeat(new LogEvent.Repeat(repeat, "key-2", AT.plusMillis(1)));
            // A line written as pending (its sink slow), its facts event dropped from a full queue.
            writes.taken(new LogEvent.Taken(late, "ticket.updated", AT.toString(), "key-3",
                    utf8("{\"reference\":7,\"name\":\"<script>\",\"email\":null}"), AT));
            writes.execute(AT.plusMillis(LogWrites.HOLD_MS).toEpochMilli(), false);
            // Facts arriving after the line was written change nothing.
            writes.facts(new LogEvent.Facts(late, new PayloadFacts("LATE", "late", "late", "late")));
            writes.execute(AT.plusMillis(LogWrites.HOLD_MS + 1).toEpochMilli(), false);

            StoredLine repeated = store.line(repeat);
            assertEquals(Outcome.REPEAT, repeated.outcome());
            assertEquals(List.of("REF-R", "Grace Hopper", "grace@example.com", ""), List.of(repeated.reference(),
                    repeated.name(), repeated.email(), repeated.slug()), "the name of first and last; no slug");
            StoredLine pending = store.line(late);
            assertEquals(Outcome.PENDING, pending.outcome());
            assertEquals(List.of("7", "<script>", "", ""), List.of(pending.reference(), pending.name(),
                    pending.email(), pending.slug()));
        }
    }

    @Test
    void aReaderWhoSeesAFailedLineAlsoSeesItsAttempts(@TempDir Path dir) throws Exception {
        String id = "20261128T060000.000Z-000000001-ticket.voided.webhook";
        Instant at = AT;
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
