package titorelay.sheets;

import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import titorelay.support.TestRelay;
import titorelay.support.Tickets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static titorelay.support.TestRelay.await;

/**
 * Google refuses a whole write with 400 when one cell is over 50,000 characters. One delivery with an overlong name
 * and answer, in the same flush as good ones: every row is written, the overlong cells cut with a marker, and no
 * delivery becomes a dead letter.
 */
class PoisonBatchTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String SPREADSHEET = "tito-test-sheet";
    private static final int LONG_NAME = 60_000;
    private static final int LONG_ANSWER = 70_000;
    private static final Pattern MARKER = Pattern.compile("… \\[cut by tito-relay: (\\d+) characters left out]$");

    @TempDir
    Path work;

    /** Four good tickets and, in the middle, one whose name and answer are too long for a cell. */
    private static Map<String, byte[]> deliveries() throws Exception {
        Map<String, byte[]> tickets = tickets("ti_batch_", 5, i -> "Person " + i);
        ObjectNode huge = (ObjectNode) JSON.readTree(Tickets.ticket("ti_batch_3", "complete", "N".repeat(LONG_NAME),
                "2022-03-26 08:00:00 UTC"));
        ((ObjectNode) huge.withArray("answers").get(0)).put("humanized_response", "A".repeat(LONG_ANSWER));
        tickets.put("ti_batch_3", JSON.writeValueAsBytes(huge));
        return tickets;
    }

    /** Sends every delivery while dispatch is paused, then lets dispatch take them all: they share one flush. */
    private static void sendInOneBatch(TestRelay relay, Map<String, byte[]> deliveries) throws Exception {
        for (byte[] body : deliveries.values()) {
            assertEquals(202, relay.send("ticket.updated", body).status());
        }
        relay.camelContext().getRouteController().startRoute("dispatch");
        await("every delivery dispatched or dead-lettered", Duration.ofSeconds(30), () -> relay.inbox().isEmpty());
    }

    /** A relay writing to the emulator, with dispatch paused, and the given settings (key, value, key, value…). */
    private TestRelay startWithGoogle(SheetsEmulator google, String... keysAndValues) throws Exception {
        Map<String, String> settings = new HashMap<>(SpreadsheetTest.googleSettings(google));
        settings.put("relay.dispatch.auto-start", "false");
        settings.put("camel.health.exposure-level", "full"); // health's message names what Google refused
        for (int i = 0; i < keysAndValues.length; i += 2) {
            settings.put(keysAndValues[i], keysAndValues[i + 1]);
        }
        return TestRelay.start(work.resolve("data"), settings);
    }

    /** Tickets {@code prefix1 … prefixN}, each named by the function. */
    private static Map<String, byte[]> tickets(String prefix, int count, IntFunction<String> name) {
        Map<String, byte[]> tickets = new LinkedHashMap<>();
        for (int i = 1; i <= count; i++) {
            tickets.put(prefix + i, Tickets.ticket(prefix + i, "complete", name.apply(i), "2022-03-26 08:00:00 UTC"));
        }
        return tickets;
    }

    @Test
    void oneOverlongCellIsCutAndTheRestOfTheBatchIsWritten() throws Exception {
        try (SheetsEmulator google = SheetsEmulator.start()) {
            google.createSpreadsheet(SPREADSHEET);
            try (TestRelay relay = startWithGoogle(google, "sheets.flush-interval-ms", "1000")) {
                sendInOneBatch(relay, deliveries());
                assertEquals(List.of(), relay.deadLetters(), "no delivery is a dead letter");
                assertEquals(0, google.answered(400), "no write was refused: " + google.requestLog());

                List<List<String>> grid = google.grid(SPREADSHEET, "Tickets");
                assertEquals(6, grid.size(), "header and five rows");
                for (int i : new int[] {1, 2, 4, 5}) {
                    Map<String, String> row = SpreadsheetTest.row(grid, "ti_batch_" + i);
                    assertEquals("Person " + i, row.get("Name"));
                    assertEquals("complete", row.get("State"));
                    assertEquals("United States", row.get("Where do you live?"));
                    assertEquals("2022-03-26T08:00:00Z", row.get("Updated at"));
                }
                Map<String, String> cut = SpreadsheetTest.row(grid, "ti_batch_3");
                assertCut('N', LONG_NAME, cut.get("Name"));
                assertCut('A', LONG_ANSWER, cut.get("Where do you live?"));
                assertEquals("complete", cut.get("State"), "the row's other cells are exact");
            }
        }
    }

    @Test
    void theCsvTwinCutsTheSameWay() throws Exception {
        try (TestRelay relay = TestRelay.start(work.resolve("csv-data"), Map.of("relay.dispatch.auto-start", "false"))) {
            sendInOneBatch(relay, deliveries());
            assertEquals(List.of(), relay.deadLetters());
            try (Reader reader = Files.newBufferedReader(relay.dataDir().resolve("sheets/Tickets.csv"))) {
                List<CSVRecord> records = CSVFormat.RFC4180.parse(reader).getRecords();
                assertEquals(6, records.size(), "header and five rows");
                CSVRecord cut = records.stream().filter(r -> r.get(0).equals("ti_batch_3")).findFirst().orElseThrow();
                assertCut('N', LONG_NAME, cut.get(records.get(0).toList().indexOf("Name")));
                assertCut('A', LONG_ANSWER, cut.get(records.get(0).toList().indexOf("Where do you live?")));
            }
        }
    }

    @Test
    void aBatchRefusedForOneWebhookIsWrittenInPartsAndOnlyThatOneFails() throws Exception {
        try (SheetsEmulator google = SheetsEmulator.start()) {
            google.createSpreadsheet(SPREADSHEET);
            google.refuseCellsContaining("REFUSED-BY-GOOGLE");
            try (TestRelay relay = startWithGoogle(google, "relay.dispatch.max-redeliveries", "1",
                    "sheets.flush-interval-ms", "200")) {
                sendInOneBatch(relay, tickets("ti_part_", 9, i -> i == 5 ? "Person REFUSED-BY-GOOGLE" : "Person " + i));

                List<Path> deadLetters = relay.deadLetters();
                assertEquals(1, deadLetters.size(), "only the refused webhook is a dead letter: " + deadLetters);
                assertTrue(Files.readString(deadLetters.get(0)).contains("REFUSED-BY-GOOGLE"));
                List<List<String>> grid = google.grid(SPREADSHEET, "Tickets");
                assertEquals(9, grid.size(), "header and the eight other rows");
                for (int i : new int[] {1, 2, 3, 4, 6, 7, 8, 9}) {
                    assertEquals("Person " + i, SpreadsheetTest.row(grid, "ti_part_" + i).get("Name"));
                }
                long refusals = google.answered(400);
                // The batch, then at most two parts per halving of nine (four halvings), then its one retry alone.
                assertTrue(refusals >= 2 && refusals <= 1 + 2 * 4 + 1, refusals + " refused writes: " + google.requestLog());
            }
        }
    }

    @Test
    void aBatchRefusedWhateverItHoldsFailsAfterFewPartsAndTurnsHealthDown() throws Exception {
        try (SheetsEmulator google = SheetsEmulator.start()) {
            google.createSpreadsheet(SPREADSHEET);
            google.refuseCellsContaining("Person ");
            try (TestRelay relay = startWithGoogle(google, "relay.dispatch.max-redeliveries", "0")) {
                sendInOneBatch(relay, tickets("ti_all_", 8, i -> "Person " + i));
                assertEquals(8, relay.deadLetters().size());
                long refusals = google.answered(400);
                // Eight, four, two, one, then the halves left fail whole: one more per halving.
                assertTrue(refusals >= 4 && refusals <= 1 + 2 * 3, refusals + " refused writes: " + google.requestLog());
                String health = relay.health();
                assertTrue(health.contains("DOWN") && health.contains("refused by the test"), health);
            }
        }
    }

    @Test
    void aCutNeverSplitsACharacter() {
        String emoji = "\uD83D\uDE00"; // one character, two UTF-16 units
        for (String value : List.of(emoji.repeat(30_000), "x" + emoji.repeat(30_000))) {
            String cell = CellLimit.fit(value);
            assertTrue(cell.length() <= SheetsEmulator.MAX_CELL_CHARACTERS, "fits: " + cell.length());
            Matcher marker = MARKER.matcher(cell);
            assertTrue(marker.find());
            String kept = cell.substring(0, marker.start());
            assertTrue(value.startsWith(kept) && !Character.isHighSurrogate(kept.charAt(kept.length() - 1)),
                    "the beginning, whole characters only");
            assertEquals(value.codePointCount(0, value.length()),
                    kept.codePointCount(0, kept.length()) + Integer.parseInt(marker.group(1)));
        }
    }

    /** The cell is the value's beginning and a marker counting what was left out, within Google's limit. */
    private static void assertCut(char filler, int originalLength, String cell) {
        assertTrue(cell.length() <= SheetsEmulator.MAX_CELL_CHARACTERS, "at most 50,000 characters: " + cell.length());
        assertTrue(cell.length() > SheetsEmulator.MAX_CELL_CHARACTERS - 100, "cut near the limit: " + cell.length());
        Matcher marker = MARKER.matcher(cell);
        assertTrue(marker.find(), "ends with the marker: …" + cell.substring(cell.length() - 80));
        String kept = cell.substring(0, marker.start());
        assertEquals(String.valueOf(filler).repeat(kept.length()), kept, "the beginning is kept");
        assertEquals(originalLength, kept.length() + Integer.parseInt(marker.group(1)), "the marker counts what was left out");
    }
}
