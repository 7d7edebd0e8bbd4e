package titorelay.mail;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.icegreen.greenmail.configuration.GreenMailConfiguration;
import com.icegreen.greenmail.util.GreenMail;
import jakarta.mail.BodyPart;
import jakarta.mail.Message;
import jakarta.mail.Multipart;
import jakarta.mail.Session;
import jakarta.mail.internet.MimeMessage;
import org.apache.camel.builder.NotifyBuilder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import titorelay.support.Samples;
import titorelay.support.SmtpServer;
import titorelay.support.TestRelay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static titorelay.support.TestRelay.await;

/** Organizer emails as an organizer's inbox receives them: a real SMTP server (GreenMail) in the test JVM. */
class OrganizerEmailTest {

    private static final Duration PATIENCE = Duration.ofSeconds(30);
    /** Enough retries to show an email outlasting them; how many is dispatch's business (DispatchTest). */
    private static final int FEW_RETRIES = 2;
    private static final String ORGANIZERS = "alice@example.org, bob@example.org";
    private static final String CANCELLED_SUBJECT = "Cancelled: registration 9K9R, Watto (6 tickets, USD 270.0)";
    private static final String REGISTRATION_LINK = "https://ti.to/demo/awesomeconf/admin/registrations/reg_dp9Z2e2FgFH9QrhrVbf7Whg";

    @TempDir
    Path work;

    private int smtpPort;
    private GreenMail smtp;
    private TestRelay relay;

    @BeforeEach
    void startSmtp() throws Exception {
        smtpPort = TestRelay.freePort();
        smtp = newSmtpServer(GreenMailConfiguration.aConfig());
        smtp.start();
    }

    private GreenMail newSmtpServer(GreenMailConfiguration configuration) {
        return SmtpServer.on(smtpPort).withConfiguration(configuration);
    }

    @AfterEach
    void stop() throws Exception {
        if (relay != null) {
            relay.close();
        }
        smtp.stop();
    }

    private TestRelay startRelay(Map<String, String> more) throws Exception {
        Map<String, String> settings = new HashMap<>(Map.of(
                "mail.smtp.host", "127.0.0.1",
                "mail.smtp.port", String.valueOf(smtpPort),
                "mail.smtp.starttls", "false",
                "mail.smtp.timeout-ms", "2000",
                "mail.organizers", ORGANIZERS,
                "mail.from", "tito-relay@example.org"));
        settings.putAll(more);
        relay = TestRelay.start(work.resolve("data"), settings);
        return relay;
    }

    private static byte[] registration(String name) throws Exception {
        ObjectMapper json = new ObjectMapper();
        ObjectNode registration = (ObjectNode) json.readTree(Samples.bytes("registration-v3.1.json"));
        registration.put("name", name);
        return json.writeValueAsBytes(registration);
    }

    private static String part(Message message, String type) throws Exception {
        Multipart alternatives = (Multipart) message.getContent();
        assertTrue(message.getContentType().startsWith("multipart/alternative"), message.getContentType());
        for (int i = 0; i < alternatives.getCount(); i++) {
            BodyPart part = alternatives.getBodyPart(i);
            if (part.getContentType().startsWith(type)) {
                return part.getContent().toString();
            }
        }
        throw new AssertionError("no " + type + " part");
    }

    @Test
    void cancellationsAndVoidsReachEveryOrganizer() throws Exception {
        startRelay(Map.of());
        assertEquals(202, relay.send("registration.cancelled", Samples.bytes("registration-v3.1.json")).status());
        assertEquals(202, relay.send("ticket.voided", Samples.bytes("ticket-basic.json")).status());
        assertTrue(received(4), "two emails, each to two organizers");

        MimeMessage[] received = smtp.getReceivedMessages();
        MimeMessage cancelled = Stream.of(received).filter(m -> subject(m).startsWith("Cancelled")).findFirst().orElseThrow();
        assertEquals(CANCELLED_SUBJECT, cancelled.getSubject());
        // Known answers: printf 'registration.cancelled\n' | cat - samples/registration-v3.1.json | sha256sum
        assertEquals("<471a4b1a469696aacad5e43882aa75303243b2294e3889d7b51b7cd683392cd5.registration.cancelled@tito-relay>",
                cancelled.getMessageID(), "the same delivery always gets the same Message-ID");
        assertEquals("tito-relay@example.org", cancelled.getFrom()[0].toString());
        assertEquals(List.of("alice@example.org", "bob@example.org"),
                Arrays.stream(cancelled.getRecipients(Message.RecipientType.TO)).map(Object::toString).toList());
        String text = part(cancelled, "text/plain");
        assertTrue(text.contains("Watto <nIFOizT0YnYTTA@example.com>"), text);
        assertTrue(text.contains("9K9R-3 Exhibitor (Watto)"), "tickets with their releases: " + text);
        assertTrue(text.contains("USD 270.0 (discount code FREE2U)"), text);
        assertTrue(text.contains(REGISTRATION_LINK), "the event URL + /admin/registrations/ + slug: " + text);
        String html = part(cancelled, "text/html");
        assertTrue(html.contains("<a href=\"" + REGISTRATION_LINK + "\">"), html);

        MimeMessage voided = Stream.of(received).filter(m -> subject(m).startsWith("Voided")).findFirst().orElseThrow();
        assertEquals("Voided: ticket 1i5nfwf2t, Peter Winter", voided.getSubject());
        assertEquals("<40a8952b907ba643c831b732a77950483522020aaa0c7f4ab7be3ff1f1de8717.ticket.voided@tito-relay>",
                voided.getMessageID());
        assertTrue(part(voided, "text/plain").contains("https://heroku.tito.io/paulca/awesomeconf/admin/tickets/1i5nfwf2t24"),
                "the payload's own admin_url");
        assertTrue(part(voided, "text/plain").contains("1i5nfwf2t AwesomeConf ticket"));
    }

    @Test
    void valuesFromThePayloadAreEscapedInHtml() throws Exception {
        startRelay(Map.of());
        relay.send("registration.cancelled", registration("<script>alert(1)</script> O'Brien & Sons"));
        assertTrue(received(2));
        MimeMessage email = smtp.getReceivedMessages()[0];
        String html = part(email, "text/html");
        assertFalse(html.contains("<script>"), html);
        assertTrue(html.contains("&lt;script&gt;alert(1)&lt;/script&gt; O&#39;Brien &amp; Sons")
                   || html.contains("&lt;script&gt;alert(1)&lt;/script&gt; O'Brien &amp; Sons"), html);
        assertTrue(part(email, "text/plain").contains("<script>alert(1)</script> O'Brien & Sons"), "plain text as written");
        assertTrue(email.getSubject().contains("O'Brien & Sons"));
    }

    @Test
    void onlyHttpsAdminLinksReachTheEmail() throws Exception {
        startRelay(Map.of());
        ObjectMapper json = new ObjectMapper();
        ObjectNode cancellation = (ObjectNode) json.readTree(Samples.bytes("registration-v3.1.json"));
        cancellation.put("admin_url", "javascript:alert(document.cookie)");
        relay.send("registration.cancelled", json.writeValueAsBytes(cancellation));
        assertTrue(received(2));
        MimeMessage cancelled = smtp.getReceivedMessages()[0];
        assertTrue(part(cancelled, "text/html").contains("<a href=\"" + REGISTRATION_LINK + "\">"),
                "the link made from the event's https URL instead: " + part(cancelled, "text/html"));
        assertFalse(part(cancelled, "text/html").contains("javascript:"), part(cancelled, "text/html"));
        assertFalse(part(cancelled, "text/plain").contains("javascript:"), part(cancelled, "text/plain"));

        ObjectNode ticket = (ObjectNode) json.readTree(Samples.bytes("ticket-basic.json"));
        ticket.put("admin_url", " JavaScript:alert(1)//https://ti.to/");
        ((ObjectNode) ticket.get("event")).put("url", "data:text/html,<script>alert(2)</script>");
        relay.send("ticket.voided", json.writeValueAsBytes(ticket));
        assertTrue(received(4));
        MimeMessage voided = Stream.of(smtp.getReceivedMessages()).filter(m -> subject(m).startsWith("Voided"))
                .findFirst().orElseThrow();
        String html = part(voided, "text/html");
        assertFalse(html.replace("href=\"mailto:", "").contains("href="), "no link but the sender's address: " + html);
        assertFalse(html.toLowerCase(java.util.Locale.ROOT).contains("javascript:") || html.contains("data:"), html);
        assertFalse(part(voided, "text/plain").contains("In Tito:"), part(voided, "text/plain"));
    }

    @Test
    void aRepeatSendsNothingAndOtherNamesSendNone() throws Exception {
        startRelay(Map.of());
        byte[] cancellation = Samples.bytes("registration-v3.1.json");
        relay.send("registration.cancelled", cancellation);
        relay.send("registration.cancelled", cancellation);
        relay.send("registration.finished", cancellation);
        relay.send("ticket.updated", Samples.bytes("ticket-basic.json"));
        assertEquals(2, receivedBeforeASentinel().size(), "one email, to each of the two organizers");
    }

    @Test
    void anEmailWaitsOutAnSmtpOutageAndIsSentOnce() throws Exception {
        startRelay(Map.of());
        smtp.stop();
        relay.send("registration.cancelled", Samples.bytes("registration-v3.1.json"));
        await("a few failed attempts", PATIENCE, () -> emailFailures() >= 3);
        smtp = newSmtpServer(GreenMailConfiguration.aConfig());
        smtp.start();
        assertTrue(received(2));
        List<MimeMessage> received = receivedBeforeASentinel();
        assertEquals(2, received.size(), "exactly one email after the recovery");
        assertEquals(CANCELLED_SUBJECT, received.get(0).getSubject());
        assertEquals(List.of(), relay.deadLetters());
    }

    @Test
    void anEmailThatOutlastsItsRetriesIsSentOnceWhenReplayed() throws Exception {
        startRelay(Map.of("relay.dispatch.max-redeliveries", String.valueOf(FEW_RETRIES)));
        smtp.stop();
        relay.send("ticket.voided", Samples.bytes("ticket-basic.json"));
        await("a dead letter", PATIENCE, () -> relay.deadLetters().size() == 1);
        assertEquals("organizer-email", deadLetterField("Failed-Sink"));
        assertTrue(deadLetterField("Failure").contains("Connect"), deadLetterField("Failure"));

        smtp = newSmtpServer(GreenMailConfiguration.aConfig());
        smtp.start();
        // Replayed the instant it appears, while the failed delivery may still be finishing.
        String deadLetter = relay.deadLetters().get(0).getFileName().toString();
        assertEquals(0, titorelay.tools.DeadLetters.run(relay.dataDir(), System.out, "replay", deadLetter));
        assertTrue(received(2));
        await("the inbox to drain", PATIENCE, () -> relay.inbox().isEmpty());
        NotifyBuilder repeatDropped = new NotifyBuilder(relay.camelContext()).fromCurrentRoute("drop-repeat")
                .whenCompleted(1).create();
        relay.send("ticket.voided", Samples.bytes("ticket-basic.json")); // Tito retrying after all
        assertTrue(repeatDropped.matches(PATIENCE.toSeconds(), TimeUnit.SECONDS), "the repeat dropped");
        assertEquals(2, receivedBeforeASentinel().size(), "once, to each organizer");
        assertEquals(List.of(), relay.deadLetters());
    }

    private String deadLetterField(String field) throws Exception {
        return titorelay.inbox.InboxEnvelope.parse(Files.readAllBytes(relay.deadLetters().get(0))).field(field);
    }

    @Test
    void aTemplateEditedOnDiskChangesTheNextEmail() throws Exception {
        Path templates = TestRelay.copyOf(Path.of("templates"), work.resolve("templates"));
        startRelay(Map.of("mail.templates-dir", templates.toString()));
        relay.send("registration.cancelled", registration("First Person"));
        assertTrue(received(2));

        Files.writeString(templates.resolve("registration.cancelled.subject.mustache"),
                "Registration {{{body.reference}}} cancelled by {{{body.name}}}\n");
        relay.send("registration.cancelled", registration("Second Person"));
        assertTrue(received(4));
        assertTrue(Stream.of(smtp.getReceivedMessages()).anyMatch(m -> subject(m).equals("Registration 9K9R cancelled by Second Person")),
                Arrays.toString(Stream.of(smtp.getReceivedMessages()).map(OrganizerEmailTest::subject).toArray()));
    }

    @Test
    void aNameRoutedToTheEmailSinkInTheRouteFileUsesTheGenericTemplates() throws Exception {
        Path routes = TestRelay.copyOf(Path.of("routes"), work.resolve("routes"));
        Path routing = routes.resolve("routing.yaml");
        String branch = "'registration.marked_as_paid'\"\n                steps:\n                  - setVariable: { name: sinks, constant: \"";
        String edited = Files.readString(routing).replace(branch + "direct:spreadsheet", branch + "direct:organizer-email,direct:spreadsheet");
        assertFalse(edited.equals(Files.readString(routing)), "the edit must change the file");
        Files.writeString(routing, edited);
        startRelay(Map.of("camel.main.routes-include-pattern", "file:" + routes + "/*.yaml",
                "camel.main.routes-reload-directory", routes.toString()));
        relay.send("registration.marked_as_paid", Samples.bytes("registration-2019.json"));
        assertTrue(received(2));
        MimeMessage email = smtp.getReceivedMessages()[0];
        assertEquals("Marked as paid: registration E9IM, John Smith", email.getSubject());
        assertTrue(part(email, "text/plain").contains("https://ti.to/biscuit-box/caramel/admin/registrations/dp6I7t2upnnXrka6GsXlw4A"));
    }

    @Test
    void withSmtpAuthenticationTheRightPasswordSendsAndAWrongOneIsReported() throws Exception {
        smtp.stop();
        smtp = newSmtpServer(GreenMailConfiguration.aConfig().withUser("tito-relay@example.org", "relay", "s3cret"));
        smtp.start();
        startRelay(Map.of("mail.smtp.username", "relay", "mail.smtp.password", "s3cret"));
        relay.send("registration.cancelled", Samples.bytes("registration-v3.1.json"));
        assertTrue(received(2));
        relay.close();

        relay = TestRelay.start(work.resolve("data-wrong-password"), Map.of(
                "mail.smtp.host", "127.0.0.1", "mail.smtp.port", String.valueOf(smtpPort), "mail.smtp.starttls", "false",
                "mail.smtp.username", "relay", "mail.smtp.password", "Wr0ng-Pa55", "mail.organizers", ORGANIZERS,
                "camel.health.exposure-level", "full", "relay.dispatch.max-redeliveries", String.valueOf(FEW_RETRIES)));
        relay.send("registration.cancelled", Samples.bytes("registration-v3.1.json"));
        await("the failure to be reported", PATIENCE, () -> health().contains("refused the login"));
        await("a dead letter", PATIENCE, () -> relay.deadLetters().size() == 1);
        assertFalse(health().contains("Wr0ng-Pa55"), "the password is never shown");
        assertEquals(2, smtp.getReceivedMessages().length);
    }

    @Test
    void withoutAnSmtpServerEachEmailIsAnEmlFile() throws Exception {
        relay = TestRelay.start(work.resolve("data"), Map.of("mail.organizers", ORGANIZERS));
        relay.send("registration.cancelled", Samples.bytes("registration-v3.1.json"));
        Path outbox = relay.dataDir().resolve("outbox");
        // Written under a hidden name, then renamed: only a complete email is listed.
        await("an .eml file", PATIENCE, () -> TestRelay.files(outbox).size() == 1);
        Path eml = TestRelay.files(outbox).get(0);
        assertTrue(eml.getFileName().toString().endsWith(".eml"));
        try (InputStream in = Files.newInputStream(eml)) {
            MimeMessage email = new MimeMessage(Session.getInstance(new Properties()), in);
            assertEquals(CANCELLED_SUBJECT, email.getSubject());
            assertEquals(2, email.getRecipients(Message.RecipientType.TO).length);
            assertTrue(part(email, "text/plain").contains(REGISTRATION_LINK));
            assertTrue(part(email, "text/html").contains("<a href=\"" + REGISTRATION_LINK + "\">"));
        }
        assertTrue(new String(Files.readAllBytes(eml), StandardCharsets.UTF_8).startsWith("Date: "));
    }

    /**
     * The messages received before a later sentinel delivery (a cancellation that nothing else resembles) was
     * emailed and the inbox drained: by then every earlier delivery has been dispatched, so nothing more can come.
     */
    private List<MimeMessage> receivedBeforeASentinel() throws Exception {
        String sentinel = "Sentinel " + System.nanoTime();
        assertEquals(202, relay.send("registration.cancelled", registration(sentinel)).status());
        await("the sentinel's emails", PATIENCE, () -> Stream.of(smtp.getReceivedMessages())
                .filter(m -> subject(m).contains(sentinel)).count() == 2);
        await("the inbox to drain", PATIENCE, () -> relay.inbox().isEmpty());
        return Stream.of(smtp.getReceivedMessages()).filter(m -> !subject(m).contains(sentinel)).toList();
    }

    /** Failed attempts to send organizer email (each fails the organizer-email route's exchange). */
    private double emailFailures() {
        try {
            return relay.counter("camel_exchanges_failed_total", "routeId=\"organizer-email\"");
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** Whether the SMTP server has received this many messages (one per recipient) within the patience. */
    private boolean received(int messages) throws InterruptedException {
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        while (smtp.getReceivedMessages().length < messages) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            Thread.sleep(20);
        }
        return true;
    }

    private String health() {
        try {
            return relay.health();
        } catch (Exception e) {
            return "";
        }
    }

    private static String subject(MimeMessage message) {
        try {
            return message.getSubject();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
