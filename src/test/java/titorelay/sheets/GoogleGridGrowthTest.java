package titorelay.sheets;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import titorelay.support.TestRelay;
import titorelay.support.Tickets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static titorelay.support.TestRelay.await;

/**
 * Google refuses a write to any cell beyond a tab's grid ("exceeds grid limits"), and a tab it adds has 1,000 rows and
 * 26 columns: the 1,000th ticket, or a 17th question, would never reach the sheet. The relay grows the tab first.
 */
class GoogleGridGrowthTest {

    private static final String SPREADSHEET = SpreadsheetTest.SPREADSHEET;
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path work;

    private final SheetsEmulator google = SheetsEmulator.start();
    private TestRelay relay;

    @AfterEach
    void stop() throws Exception {
        if (relay != null) {
            relay.close();
        }
        google.close();
    }

    @Test
    void ticketsPastTheGridsLastRowAreWrittenAfterTheTabGrows() throws Exception {
        google.createSpreadsheet(SPREADSHEET);
        google.setGrid(SPREADSHEET, "Tickets", headerAndRows(999)); // the grid's 1,000 rows, all used
        assertEquals(1_000, google.gridSize(SPREADSHEET, "Tickets")[0]);
        relay = TestRelay.start(work.resolve("data"), new HashMap<>(SpreadsheetTest.googleSettings(google)));

        for (int i = 0; i < 3; i++) {
            assertEquals(202, relay.send("ticket.updated",
                    Tickets.ticket("ti_new_" + i, "complete", "New " + i, "2022-03-26 08:00:00 UTC")).status());
        }
        await("the new tickets in rows 1,001 to 1,003", Duration.ofSeconds(30),
                () -> google.grid(SPREADSHEET, "Tickets").size() == 1_003);
        List<List<String>> rows = google.grid(SPREADSHEET, "Tickets");
        List<String> slugs = rows.subList(1_000, 1_003).stream().map(row -> row.get(0)).sorted().toList();
        assertEquals(List.of("ti_new_0", "ti_new_1", "ti_new_2"), slugs);
        assertEquals("ti_pre_998", rows.get(999).get(0), "the last row there before is untouched");
        // Grown once, by what the first write needed and a margin of 1,000 rows, so the later writes fit.
        assertEquals(1, google.appendDimensions(), google.requestLog().toString());
        assertTrue(google.gridSize(SPREADSHEET, "Tickets")[0] >= 2_001, "grid " + google.gridSize(SPREADSHEET, "Tickets")[0]);
        assertEquals(0, google.answered(400), "no write refused: " + google.requestLog());
        assertEquals(List.of(), relay.deadLetters());
    }

    @Test
    void aQuestionPastTheGridsLastColumnIsWrittenAfterTheTabGrows() throws Exception {
        google.createSpreadsheet(SPREADSHEET);
        List<String> header = new ArrayList<>(List.of("Slug", "Reference", "State", "Name", "Email", "Release",
                "Registration", "Event", "Checked in at", "Updated at"));
        for (int i = 1; header.size() < 26; i++) {
            header.add("Organizer note " + i); // an organizer's own columns, up to Z
        }
        google.setGrid(SPREADSHEET, "Tickets", List.of(header));
        assertEquals(26, google.gridSize(SPREADSHEET, "Tickets")[1]);
        relay = TestRelay.start(work.resolve("data"), new HashMap<>(SpreadsheetTest.googleSettings(google)));

        ObjectNode ticket = (ObjectNode) JSON.readTree(Tickets.ticket("ti_asked", "complete", "Asked", "2022-03-26 08:00:00 UTC"));
        ArrayNode answers = ticket.putArray("answers");
        ObjectNode answer = answers.addObject();
        answer.putObject("question").put("title", "Dietary needs").put("description", "");
        answer.put("response", "Vegan");
        answer.put("humanized_response", "Vegan");
        assertEquals(202, relay.send("ticket.updated", JSON.writeValueAsBytes(ticket)).status());

        await("the answer under its question, in column AA", Duration.ofSeconds(30),
                () -> google.grid(SPREADSHEET, "Tickets").size() == 2);
        List<List<String>> rows = google.grid(SPREADSHEET, "Tickets");
        assertEquals("Dietary needs", rows.get(0).get(26));
        assertEquals("Vegan", rows.get(1).get(26));
        assertEquals("ti_asked", rows.get(1).get(0));
        assertEquals(27, google.gridSize(SPREADSHEET, "Tickets")[1]);
        assertEquals(0, google.answered(400), google.requestLog().toString());
        assertEquals(List.of(), relay.deadLetters());
    }

    @Test
    void rowsDeletedByHandAtTheGridsEndAreFoundOutFromGooglesRefusalAndTheRowWrittenAfterAll() throws Exception {
        google.createSpreadsheet(SPREADSHEET);
        google.setGrid(SPREADSHEET, "Tickets", headerAndRows(999));
        relay = TestRelay.start(work.resolve("data"), new HashMap<>(SpreadsheetTest.googleSettings(google)));
        assertEquals(202, relay.send("ticket.updated",
                Tickets.ticket("ti_first", "complete", "First", "2022-03-26 08:00:00 UTC")).status());
        await("the first new ticket in row 1,001", Duration.ofSeconds(30),
                () -> google.grid(SPREADSHEET, "Tickets").size() == 1_001);
        int grown = google.gridSize(SPREADSHEET, "Tickets")[0];
        assertTrue(grown > 1_001, "grown to " + grown);

        // A person deletes the empty rows below the last one (the relay still counts on them).
        google.setGridSize(SPREADSHEET, "Tickets", 1_001, 26);
        assertEquals(202, relay.send("ticket.updated",
                Tickets.ticket("ti_second", "complete", "Second", "2022-03-26 08:00:00 UTC")).status());
        await("the second new ticket in row 1,002", Duration.ofSeconds(30),
                () -> google.grid(SPREADSHEET, "Tickets").size() == 1_002);

        assertEquals("ti_second", google.grid(SPREADSHEET, "Tickets").get(1_001).get(0));
        assertEquals(1, google.answered(400), "Google refused the write once, beyond the grid: " + google.requestLog());
        assertEquals(2, google.appendDimensions(), "grown again after the refusal");
        // At once, in the same flush: the delivery did not go back to dispatch to wait for a retry.
        assertAskedGrewAndWroteRightAfter("values:batchUpdate 400");
        assertEquals(List.of(), relay.deadLetters());
    }

    @Test
    void aTabDeletedAndAddedAgainByHandIsGrownUnderItsNewId() throws Exception {
        google.createSpreadsheet(SPREADSHEET);
        google.setGrid(SPREADSHEET, "Tickets", headerAndRows(999));
        relay = TestRelay.start(work.resolve("data"), new HashMap<>(SpreadsheetTest.googleSettings(google)));
        assertEquals(202, relay.send("ticket.updated",
                Tickets.ticket("ti_pre_0", "void", "Person 0", "2022-03-26 09:00:00 UTC")).status());
        await("an update in place, so the relay knows the tab", Duration.ofSeconds(30),
                () -> google.grid(SPREADSHEET, "Tickets").get(1).get(2).equals("void"));

        // A person deletes the tab and makes it again, with the same rows: Google gives it another id.
        google.deleteTab(SPREADSHEET, "Tickets");
        google.setGrid(SPREADSHEET, "Tickets", headerAndRows(999));
        assertEquals(202, relay.send("ticket.updated",
                Tickets.ticket("ti_after", "complete", "After", "2022-03-26 08:00:00 UTC")).status());
        await("the new ticket in row 1,001", Duration.ofSeconds(30),
                () -> google.grid(SPREADSHEET, "Tickets").size() == 1_001);

        assertEquals("ti_after", google.grid(SPREADSHEET, "Tickets").get(1_000).get(0));
        assertEquals(1, google.answered(400), "Google refused to grow a grid it no longer has: " + google.requestLog());
        assertEquals(1, google.appendDimensions());
        assertAskedGrewAndWroteRightAfter(SPREADSHEET + ":batchUpdate 400");
        assertEquals(List.of(), relay.deadLetters());
    }

    /**
     * The three requests right after the one refused ({@code refusal}, the end of its line in the request log): the
     * spreadsheet's tabs and sizes asked for, the tab grown, the rows written.
     */
    private void assertAskedGrewAndWroteRightAfter(String refusal) {
        List<String> log = google.requestLog().stream().map(line -> line.replaceAll(" gzip$", "")).toList();
        int refused = log.indexOf(log.stream().filter(line -> line.endsWith(refusal)).findFirst().orElseThrow());
        List<String> after = log.subList(refused + 1, Math.min(log.size(), refused + 4));
        assertEquals(3, after.size(), log.toString());
        assertTrue(after.get(0).startsWith("GET ") && after.get(0).endsWith(SPREADSHEET + " 200"), log.toString());
        assertTrue(after.get(1).endsWith(SPREADSHEET + ":batchUpdate 200"), log.toString());
        assertTrue(after.get(2).endsWith("values:batchUpdate 200"), log.toString());
    }

    /** A header and {@code count} ticket rows, as a tab an organizer filled would have. */
    private static List<List<String>> headerAndRows(int count) {
        List<List<String>> rows = new ArrayList<>();
        rows.add(List.of("Slug", "Reference", "State", "Name"));
        for (int i = 0; i < count; i++) {
            rows.add(List.of("ti_pre_" + i, "PRE-" + i, "complete", "Person " + i));
        }
        return rows;
    }
}
