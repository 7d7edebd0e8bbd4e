package titorelay.sheets;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import titorelay.support.Samples;
import titorelay.support.TestRelay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Attendees' answers become columns headed by their question's title; a title can be anything the organizer typed in
 * Tito, including the name of a column the relay fills itself (an address question "State"). Such an answer gets a
 * column of its own and never replaces the ticket's own cell, nor the Slug that finds its row.
 */
class QuestionColumnsTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> MANAGED = List.of("Slug", "Reference", "State", "Name", "Email", "Release",
            "Registration", "Event", "Checked in at", "Updated at");

    @TempDir
    Path data;
    @TempDir
    Path config;

    @Test
    void aTicketQuestionTitledLikeAColumnGetsItsOwnColumnAndTheTicketsCellsStay() throws Exception {
        ObjectNode ticket = (ObjectNode) JSON.readTree(Samples.bytes("ticket-with-answers.json"));
        ArrayNode answers = (ArrayNode) ticket.get("answers");
        answers.add(ticketAnswer("State", "California"));
        answers.add(ticketAnswer("Name", "Pete"));
        answers.add(ticketAnswer("Email", "peter.work@example.org"));
        answers.add(ticketAnswer("Slug", "my-own-slug"));

        try (TestRelay relay = TestRelay.start(data)) {
            send(relay, "ticket.updated", JSON.writeValueAsBytes(ticket));
        }

        assertTicketsOneRow(Map.of(
                // The sample's own fields, as Tito sent them.
                "Slug", "pGZ3De1X3wLslG7yQwO7QFg", "State", "incomplete", "Name", "Peter Winter",
                "Email", "winter@example.com",
                // The answers, each under its question; one titled otherwise keeps its title.
                "State (question)", "California", "Name (question)", "Pete",
                "Email (question)", "peter.work@example.org", "Slug (question)", "my-own-slug",
                "T-Shirt Size", "Women's S"));
    }

    /**
     * A check-in's answers name their question as plain text. The columns file shipped leaves them out of the sheet;
     * an organizer who adds {@code questions: answers} to the check-in entry gets the same protection.
     */
    @Test
    void aCheckInQuestionTitledLikeAColumnGetsItsOwnColumnAndTheTicketsCellsStay() throws Exception {
        String shipped = Files.readString(Path.of("sheet-columns.yaml"));
        String entry = "      - names: [checkin.created]\n        set:\n";
        assertTrue(shipped.contains(entry), "the check-in entry of the columns file shipped");
        Path columnsFile = config.resolve("sheet-columns.yaml");
        Files.writeString(columnsFile, shipped.replace(entry,
                "      - names: [checkin.created]\n        questions: answers\n        set:\n"));

        ObjectNode checkin = (ObjectNode) JSON.readTree(Samples.bytes("checkin.json"));
        ArrayNode answers = (ArrayNode) checkin.get("answers");
        answers.add(checkinAnswer("Name", "Johnny"));
        answers.add(checkinAnswer("Checked in at", "at the side door"));
        answers.add(checkinAnswer("Slug", "my-own-slug"));

        try (TestRelay relay = TestRelay.start(data, Map.of("sheets.columns-file", columnsFile.toString()))) {
            send(relay, "checkin.created", JSON.writeValueAsBytes(checkin));
        }

        assertTicketsOneRow(Map.of(
                "Slug", "ti_eZaOm33Y1rnICcLIpeTuESg", "Name", "John Smith", "Checked in at", "2019-08-16T14:14:21Z",
                "Name (question)", "Johnny", "Checked in at (question)", "at the side door",
                "Slug (question)", "my-own-slug", "What is your favourite coffee?", "Latte"));
    }

    /** A ticket's answer, as Tito sends it: the question an object with a title. */
    private static ObjectNode ticketAnswer(String title, String response) {
        ObjectNode answer = JSON.createObjectNode();
        answer.putObject("question").put("title", title).put("description", "");
        answer.put("response", response);
        answer.put("humanized_response", response);
        return answer;
    }

    /** A check-in's answer, as Tito sends it: the question its title alone. */
    private static ObjectNode checkinAnswer(String question, String response) {
        ObjectNode answer = JSON.createObjectNode();
        answer.put("question", question);
        answer.put("response", response);
        return answer;
    }

    /**
     * The Tickets tab holds each column the relay fills once, and one row, whose cells under the given columns are the
     * given values.
     */
    private void assertTicketsOneRow(Map<String, String> expected) throws Exception {
        List<List<String>> grid = CsvEditedByHandTest.read(data.resolve("sheets/Tickets.csv"));
        List<String> header = grid.get(0);
        for (String column : MANAGED) {
            assertEquals(1, Collections.frequency(header, column), column + " once in " + header);
        }
        assertEquals(2, grid.size(), "the header and one row: " + grid);
        Map<String, String> cells = new TreeMap<>();
        for (String column : expected.keySet()) {
            int c = header.indexOf(column);
            cells.put(column, c < 0 ? "(no such column)" : c < grid.get(1).size() ? grid.get(1).get(c) : "");
        }
        assertEquals(new TreeMap<>(expected), cells);
    }

    private static void send(TestRelay relay, String name, byte[] body) throws Exception {
        assertEquals(202, relay.send(name, body).status());
        TestRelay.await("the delivery's row written", Duration.ofSeconds(30), () -> relay.inbox().isEmpty());
    }
}
