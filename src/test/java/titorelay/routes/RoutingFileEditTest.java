package titorelay.routes;

import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import com.icegreen.greenmail.util.GreenMail;
import jakarta.mail.Message;
import jakarta.mail.MessagingException;
import jakarta.mail.internet.MimeMessage;
import org.apache.camel.Route;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import titorelay.inbox.InboxEnvelope;
import titorelay.inbox.RecordDeadLetter;
import titorelay.support.SmtpServer;
import titorelay.support.TestRelay;
import titorelay.support.Tickets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static titorelay.support.TestRelay.await;

/**
 * routes/routing.yaml is the routing table: one line of it, edited while the relay runs, makes ticket.reassigned
 * email the organizers, and changes nothing else (its rows are written as before, other names act as before).
 */
class RoutingFileEditTest {

    private static final Duration PATIENCE = Duration.ofSeconds(30);
    private static final List<String> ORGANIZERS = List.of("alice@example.org", "bob@example.org");
    private static final String UPDATED_AT = "2026-11-27T10:00:00Z";

    @TempDir
    Path work;

    @Test
    void oneEditedLineMakesTicketReassignedEmailTheOrganizersAndLeavesTheSheetAsItWas() throws Exception {
        // The real route files, copied so that the test can edit them.
        Path routes = TestRelay.copyOf(Path.of("routes"), work.resolve("routes"));
        int smtpPort = TestRelay.freePort();
        GreenMail smtp = SmtpServer.on(smtpPort);
        smtp.start();
        Path data = work.resolve("data");
        Path tickets = data.resolve("sheets/Tickets.csv");
        try (TestRelay relay = TestRelay.start(data, Map.of(
                "camel.main.routes-include-pattern", "file:" + routes + "/*.yaml",
                "camel.main.routes-reload-directory", routes.toString(),
                "mail.smtp.host", "127.0.0.1",
                "mail.smtp.port", String.valueOf(smtpPort),
                "mail.smtp.starttls", "false",
                "mail.organizers", String.join(", ", ORGANIZERS)))) {

            // As shipped: ticket.reassigned reaches the sheet only. The voided ticket after it is emailed, so once its
            // email is in, the reassigned delivery before it was dispatched, and it sent none.
            send(relay, "ticket.reassigned", "reassigned-before", "Before Person");
            send(relay, "ticket.voided", "voided-before", "Voided Before");
            await("the voided ticket's email", PATIENCE, () -> smtp.getReceivedMessages().length >= 2);
            await("both rows", PATIENCE, () -> rows(tickets).keySet().containsAll(List.of("reassigned-before", "voided-before")));
            assertEquals(List.of("Voided: ticket REF-voided-before, Voided Before"), subjects(smtp));
            Map<String, Map<String, String>> sheetBefore = rows(tickets);

            // One line of the routing file, saved whole as an editor does.
            Route routingBefore = relay.camelContext().getRoute("route-by-name");
            Path routing = routes.resolve("routing.yaml");
            List<String> lines = Files.readAllLines(routing);
            List<String> edited = new ArrayList<>(lines);
            int sinksLine = lines.indexOf("              - simple: \"${header.X-Webhook-Name} == 'ticket.reassigned'\"") + 2;
            edited.set(sinksLine, edited.get(sinksLine)
                    .replace("\"direct:spreadsheet\"", "\"direct:organizer-email,direct:spreadsheet\""));
            assertEquals(1, changedLines(lines, edited), "exactly one line is edited");
            Files.move(Files.write(work.resolve("routing.yaml.edited"), edited), routing,
                    StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            await("routing.yaml to be reloaded", PATIENCE, () -> {
                Route now = relay.camelContext().getRoute("route-by-name");
                return now != null && now != routingBefore;
            });

            // Now ticket.reassigned emails every organizer, with the generic templates.
            send(relay, "ticket.reassigned", "reassigned-after", "After Person");
            await("the reassigned ticket's email", PATIENCE, () -> smtp.getReceivedMessages().length >= 4);
            MimeMessage reassigned = Stream.of(smtp.getReceivedMessages())
                    .filter(message -> subject(message).startsWith("Reassigned")).findFirst().orElseThrow();
            assertEquals("Reassigned: ticket REF-reassigned-after, After Person", reassigned.getSubject());
            assertEquals(ORGANIZERS, Arrays.stream(reassigned.getRecipients(Message.RecipientType.TO)).map(Object::toString).toList());

            // Nothing else changed: ticket.updated still sends nothing, ticket.voided still emails. The voided one is
            // the sentinel: its email comes after everything dispatched before it.
            send(relay, "ticket.updated", "updated-after", "Updated After");
            send(relay, "ticket.voided", "voided-after", "Voided After");
            await("the second voided ticket's email", PATIENCE, () -> smtp.getReceivedMessages().length >= 6);
            assertEquals(List.of("Reassigned: ticket REF-reassigned-after, After Person",
                    "Voided: ticket REF-voided-after, Voided After", "Voided: ticket REF-voided-before, Voided Before"),
                    subjects(smtp));

            // The sheet as before the edit: the earlier rows untouched, the reassigned ticket's row written the same way.
            await("every row", PATIENCE, () -> rows(tickets).keySet().containsAll(
                    List.of("reassigned-after", "updated-after", "voided-after")));
            await("the inbox to drain", PATIENCE, () -> relay.inbox().isEmpty());
            Map<String, Map<String, String>> sheet = rows(tickets);
            assertEquals(5, sheet.size(), "one row per ticket: " + sheet.keySet());
            assertEquals(sheetBefore.get("reassigned-before"), sheet.get("reassigned-before"));
            assertEquals(sheetBefore.get("voided-before"), sheet.get("voided-before"));
            Map<String, String> after = sheet.get("reassigned-after");
            Map<String, String> likeBefore = new LinkedHashMap<>(sheetBefore.get("reassigned-before"));
            likeBefore.putAll(Map.of("Slug", "reassigned-after", "Reference", "REF-reassigned-after", "Name", "After Person"));
            assertEquals(likeBefore, after, "the same row as a reassigned ticket made before the edit");
            assertEquals(List.of("reassigned-after", "REF-reassigned-after", "complete", "After Person", UPDATED_AT),
                    List.of(after.get("Slug"), after.get("Reference"), after.get("State"), after.get("Name"), after.get("Updated at")));
            assertEquals("void", sheet.get("voided-after").get("State"));
            assertEquals(List.of(), relay.deadLetters());
        } finally {
            smtp.stop();
        }
    }

    @Test
    void aNameRoutedToTheSheetThatTheColumnsFileDoesNotDescribeBecomesADeadLetterSayingSo() throws Exception {
        // A name Tito might add, given a branch to the spreadsheet, but no entry in sheet-columns.yaml.
        Path routes = TestRelay.copyOf(Path.of("routes"), work.resolve("routes"));
        Path routing = routes.resolve("routing.yaml");
        String firstBranch = "              - simple: \"${header.X-Webhook-Name} == 'ticket.created'\"\n";
        String edited = Files.readString(routing).replace(firstBranch,
                "              - simple: \"${header.X-Webhook-Name} == 'waitlist.joined'\"\n"
                + "                steps:\n"
                + "                  - setVariable: { name: sinks, constant: \"direct:spreadsheet\" }\n"
                + firstBranch);
        assertNotEquals(Files.readString(routing), edited, "the edit must change the file");
        Files.writeString(routing, edited);
        try (TestRelay relay = TestRelay.start(work.resolve("data"), Map.of(
                "camel.main.routes-include-pattern", "file:" + routes + "/*.yaml",
                "camel.main.routes-reload-directory", routes.toString(),
                "relay.dispatch.max-redeliveries", "0"))) {
            send(relay, "waitlist.joined", "waitlisted", "Waiting Person");
            await("a dead letter", PATIENCE, () -> relay.deadLetters().size() == 1);
            InboxEnvelope kept = InboxEnvelope.parse(Files.readAllBytes(relay.deadLetters().get(0)));
            assertEquals("waitlist.joined", kept.field(InboxEnvelope.WEBHOOK_NAME));
            assertEquals("IllegalArgumentException: Routed to the spreadsheet, but no tab of the columns file"
                         + " (sheets.columns-file) says how waitlist.joined fills it", kept.field(RecordDeadLetter.FAILURE));
            assertEquals(0, relay.counter("tito_webhooks_unrouted_total"), "it was routed, not unrouted");
        }
    }

    private static void send(TestRelay relay, String name, String slug, String person) throws Exception {
        assertEquals(202, relay.send(name, Tickets.ticket(slug, "complete", person, UPDATED_AT)).status());
    }

    /** Each email's subject, in alphabetical order, with how many of it: the server holds one per organizer. */
    private static List<String> subjects(GreenMail smtp) {
        Map<String, Long> counts = Stream.of(smtp.getReceivedMessages())
                .collect(Collectors.groupingBy(RoutingFileEditTest::subject, TreeMap::new, Collectors.counting()));
        counts.values().forEach(count -> assertEquals(ORGANIZERS.size(), count, "one per organizer: " + counts));
        return List.copyOf(counts.keySet());
    }

    private static String subject(MimeMessage message) {
        try {
            return message.getSubject();
        } catch (MessagingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static int changedLines(List<String> before, List<String> after) {
        int changed = Math.abs(before.size() - after.size());
        for (int i = 0; i < Math.min(before.size(), after.size()); i++) {
            changed += before.get(i).equals(after.get(i)) ? 0 : 1;
        }
        return changed;
    }

    /** The Tickets tab as CSV: each row by its Slug, as column name to value. */
    private static Map<String, Map<String, String>> rows(Path csv) {
        Map<String, Map<String, String>> rows = new LinkedHashMap<>();
        if (!Files.exists(csv)) {
            return rows;
        }
        try (Reader reader = Files.newBufferedReader(csv)) {
            List<CSVRecord> records = CSVFormat.RFC4180.parse(reader).getRecords();
            List<String> header = records.get(0).toList();
            for (CSVRecord record : records.subList(1, records.size())) {
                Map<String, String> row = new LinkedHashMap<>();
                for (int c = 0; c < header.size(); c++) {
                    row.put(header.get(c), c < record.size() ? record.get(c) : "");
                }
                rows.put(row.get("Slug"), row);
            }
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
        return rows;
    }
}
