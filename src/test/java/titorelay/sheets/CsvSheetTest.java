package titorelay.sheets;

import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import titorelay.support.Samples;
import titorelay.support.TestRelay;
import titorelay.support.Tickets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** With no spreadsheet configured, the same webhooks give the same table, as CSV files under data/sheets. */
class CsvSheetTest {

    @TempDir
    Path work;

    /** Reference payloads, a lifecycle, late and repeated deliveries, and a name that needs CSV quoting. */
    private static void scenario(TestRelay relay) throws Exception {
        for (String sample : Samples.names()) {
            send(relay, Samples.webhookName(sample), Samples.bytes(sample));
        }
        send(relay, "ticket.voided", Samples.bytes("ticket-basic.json"));
        send(relay, "registration.cancelled", Samples.bytes("registration-2019.json"));
        send(relay, "ticket.updated", Tickets.ticket("ti_csv", "complete", "O'Brien, \"Pat\"\n=SUM(A1)", "2022-03-26 08:00:00 UTC"));
        send(relay, "ticket.updated", Tickets.ticket("ti_csv", "incomplete", "Older", "2022-03-26 07:00:00 UTC"));
        send(relay, "checkin.deleted", Samples.bytes("checkin.json"));
        send(relay, "ticket.updated", Tickets.ticket("ti_csv", "complete", "O'Brien, \"Pat\"\n=SUM(A1)", "2022-03-26 08:00:00 UTC"));
        send(relay, "ticket.updated", Tickets.ticket("ti_formula", "complete", "=1+1", "2022-03-26 08:00:00 UTC"));
    }

    private static void send(TestRelay relay, String name, byte[] body) throws Exception {
        assertEquals(202, relay.send(name, body).status());
        // One at a time, so that both runs see the same order.
        TestRelay.await("dispatch of " + name, Duration.ofSeconds(30), () -> relay.inbox().isEmpty());
    }

    @Test
    void theCsvFilesHoldTheSameTableAsTheSpreadsheet() throws Exception {
        List<List<String>> googleTickets;
        List<List<String>> googleRegistrations;
        try (SheetsEmulator google = SheetsEmulator.start()) {
            google.createSpreadsheet("tito-test-sheet");
            try (TestRelay relay = TestRelay.start(work.resolve("google-data"), SpreadsheetTest.googleSettings(google))) {
                scenario(relay); // each delivery's row written before the next is sent
                googleTickets = google.grid("tito-test-sheet", "Tickets");
                googleRegistrations = google.grid("tito-test-sheet", "Registrations");
            }
        }
        Path csvData = work.resolve("csv-data");
        try (TestRelay relay = TestRelay.start(csvData, Map.of())) {
            scenario(relay);
        }
        assertEquals(googleTickets, csv(csvData.resolve("sheets/Tickets.csv")));
        assertEquals(googleRegistrations, csv(csvData.resolve("sheets/Registrations.csv")));
        assertEquals(8, googleTickets.size(),
                "header, six tickets and the one the cancelled 2019 registration voids: " + googleTickets);
        assertTrue(Files.readString(csvData.resolve("sheets/Tickets.csv")).contains(",'=1+1,"),
                "a cell that looks like a formula is written as text");
    }

    @Test
    void googlesQuotaIntervalDoesNotHoldBackTheCsvFiles() throws Exception {
        Path data = work.resolve("csv-data");
        // Google's interval at ten minutes; the CSV files keep theirs (application.properties: 200 ms).
        Map<String, String> settings = Map.of("sheets.flush-interval-ms", "600000",
                "sheets.csv-flush-interval-ms", "200");
        try (TestRelay relay = TestRelay.start(data, settings)) {
            // The first row is written at once; the second waits for the next flush: the CSV files' interval.
            assertEquals(202, relay.send("ticket.updated",
                    Tickets.ticket("ti_first", "complete", "First", "2022-03-26 08:00:00 UTC")).status());
            TestRelay.await("the first row", Duration.ofSeconds(30),
                    () -> TestRelay.uncheck(() -> slugs(data).contains("ti_first")));
            assertEquals(202, relay.send("ticket.updated",
                    Tickets.ticket("ti_second", "complete", "Second", "2022-03-26 08:00:00 UTC")).status());
            TestRelay.await("the second row, long before Google's interval", Duration.ofSeconds(30),
                    () -> TestRelay.uncheck(() -> slugs(data).contains("ti_second")));
        }
    }

    private static List<String> slugs(Path data) throws Exception {
        Path file = data.resolve("sheets/Tickets.csv");
        return Files.exists(file) ? csv(file).stream().map(row -> row.isEmpty() ? "" : row.get(0)).toList() : List.of();
    }

    /** The CSV as a spreadsheet program reads it, trimmed like Google trims its grids. */
    private static List<List<String>> csv(Path file) throws Exception {
        List<List<String>> grid = new ArrayList<>();
        try (Reader reader = Files.newBufferedReader(file)) {
            for (CSVRecord record : CSVFormat.RFC4180.parse(reader)) {
                List<String> row = new ArrayList<>();
                record.forEach(cell -> row.add(cell.startsWith("'=") ? cell.substring(1) : cell));
                while (!row.isEmpty() && row.get(row.size() - 1).isEmpty()) {
                    row.remove(row.size() - 1);
                }
                grid.add(row);
            }
        }
        return grid;
    }
}
