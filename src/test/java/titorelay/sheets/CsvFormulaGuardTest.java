package titorelay.sheets;

import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import titorelay.support.Samples;
import titorelay.support.TestRelay;
import titorelay.support.Tickets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static titorelay.support.TestRelay.await;

/**
 * The CSV twin writes a cell that a spreadsheet program could take for a formula (OWASP's CSV injection list: =, +,
 * -, @, tab, carriage return) with a leading apostrophe, and reads its own apostrophe back as nothing: rewriting a
 * row never adds a second one, and a row whose values did not change is not written again, even after a restart.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CsvFormulaGuardTest {

    private static final Duration PATIENCE = Duration.ofSeconds(20);

    @TempDir
    static Path work;

    private TestRelay relay;
    private int updates;

    @BeforeAll
    void start() throws Exception {
        relay = TestRelay.start(work.resolve("data"));
    }

    @AfterAll
    void stop() throws Exception {
        relay.close();
    }

    private Path tickets() {
        return relay.dataDir().resolve("sheets/Tickets.csv");
    }

    /** Sends a ticket and waits until it is dispatched (its row is then in the file). */
    private void sendTicket(String slug, String name, String updatedAt) throws Exception {
        assertEquals(202, relay.send("ticket.updated", Tickets.ticket(slug, "complete", name, updatedAt)).status());
        await("dispatch of " + slug, PATIENCE, () -> relay.inbox().isEmpty());
    }

    /** The line of the file holding the row whose first cell is the slug, as raw text. */
    private String rawRow(String slug) throws Exception {
        String text = Files.readString(tickets(), StandardCharsets.UTF_8);
        int start = text.indexOf("\r\n" + slug + ",");
        assertTrue(start >= 0, slug + " in " + text);
        int end = text.indexOf("\r\nti_", start + 2);
        return text.substring(start + 2, end < 0 ? text.length() : end);
    }

    /** Each of OWASP's prefixes: the name sent, and its exact bytes in the file (CSV quotes a cell holding a CR). */
    static Stream<Arguments> formulaPrefixes() {
        return Stream.of(
                Arguments.of("equals", "=cmd|' /C calc'!A0", "'=cmd|' /C calc'!A0"),
                Arguments.of("plus", "+1 555 0100", "'+1 555 0100"),
                Arguments.of("minus", "-2+3+cmd|' /C calc'!A0", "'-2+3+cmd|' /C calc'!A0"),
                Arguments.of("at", "@SUM(1+1)", "'@SUM(1+1)"),
                Arguments.of("tab", "\tSUM(1+1)", "'\tSUM(1+1)"),
                Arguments.of("cr", "\rSUM(1+1)", "\"'\rSUM(1+1)\""));
    }

    @ParameterizedTest(name = "a cell starting with {0} is written as text")
    @MethodSource("formulaPrefixes")
    void aCellStartingLikeAFormulaGetsOneApostrophe(String prefix, String name, String inFile) throws Exception {
        String slug = "ti_guard_" + prefix;
        sendTicket(slug, name, "2022-03-26 08:00:00 UTC");
        String row = rawRow(slug);
        assertTrue(row.contains("," + inFile + ","), "the name as " + inFile + " in " + row);
        assertEquals(name, cell(slug, 3), "a CSV reader sees the name after the apostrophe");
    }

    @Test
    void aRowWrittenAgainAndAgainKeepsOneApostropheAndIsNotRewrittenWhenNothingChanged() throws Exception {
        // A value that itself starts with an apostrophe before a trigger keeps it: one more is added in the file.
        Map<String, String> inFile = Map.of("ti_guard_trip_minus", "'-5", "ti_guard_trip_quoted", "''-5");
        Map<String, String> names = Map.of("ti_guard_trip_minus", "-5", "ti_guard_trip_quoted", "'-5");
        for (int i = 0; i < 3; i++) {
            // A newer update each time: the row is written again (its Updated at changes), its name stays.
            for (String slug : names.keySet()) {
                sendTicket(slug, names.get(slug), "2022-03-26 09:00:0" + i + " UTC");
            }
        }
        for (String slug : names.keySet()) {
            String row = rawRow(slug);
            assertTrue(row.contains("," + inFile.get(slug) + ",jailyn@"), "one apostrophe added, in " + row);
            assertEquals(1, Files.readAllLines(tickets()).stream().filter(l -> l.startsWith(slug + ",")).count(),
                    "one row, updated in place");
        }

        // After a restart the relay reads the file back: its own apostrophe must not look like a change.
        relay.close();
        relay = TestRelay.start(work.resolve("data"));
        Object fileBefore = Files.readAttributes(tickets(), java.nio.file.attribute.BasicFileAttributes.class).fileKey();
        byte[] bytesBefore = Files.readAllBytes(tickets());
        // The same values again (a different body, so it is not a repeat), then a registration as the sentinel.
        for (String slug : names.keySet()) {
            sendTicket(slug, names.get(slug), "2022-03-26T09:00:02.000Z");
        }
        byte[] registration = Samples.bytes("registration-v3.1.json");
        assertEquals(202, relay.send("registration.finished", registration).status());
        await("the sentinel registration's row", PATIENCE, () -> TestRelay.uncheck(() ->
                Files.exists(relay.dataDir().resolve("sheets/Registrations.csv"))
                && Files.readString(relay.dataDir().resolve("sheets/Registrations.csv")).contains("reg_dp9Z2e2FgFH9QrhrVbf7Whg")));
        assertEquals(fileBefore, Files.readAttributes(tickets(), java.nio.file.attribute.BasicFileAttributes.class).fileKey(),
                "Tickets.csv was not written again");
        assertEquals(new String(bytesBefore, StandardCharsets.UTF_8), Files.readString(tickets()));
    }

    /** The cell as a CSV reader sees it, without the apostrophe. */
    private String cell(String slug, int column) throws Exception {
        List<List<String>> rows = new ArrayList<>();
        try (Reader reader = Files.newBufferedReader(tickets())) {
            for (CSVRecord record : CSVFormat.RFC4180.parse(reader)) {
                rows.add(record.toList());
            }
        }
        String cell = rows.stream().filter(r -> r.get(0).equals(slug)).findFirst().orElseThrow().get(column);
        assertTrue(cell.startsWith("'"), cell);
        return cell.substring(1);
    }
}
