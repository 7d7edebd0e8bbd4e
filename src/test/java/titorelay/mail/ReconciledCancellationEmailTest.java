package titorelay.mail;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.icegreen.greenmail.util.GreenMail;
import jakarta.mail.Multipart;
import jakarta.mail.internet.MimeMessage;
import org.apache.camel.ProducerTemplate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import titorelay.support.DeliveryKeys;
import titorelay.support.Samples;
import titorelay.support.SmtpServer;
import titorelay.support.TestRelay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static titorelay.support.TestRelay.await;

/**
 * A void or cancellation that reconciliation with Tito's Admin API finds (records of Tito's own API examples, handed
 * to the route reconciliation calls) emails the organizers once, saying how it was found, and not at all when they
 * were already emailed about it by its webhook (even if a later webhook's email about it failed); routes/routing.yaml
 * sends it nowhere else.
 */
class ReconciledCancellationEmailTest {

    /** Tito's published examples of its Admin API's answers. */
    private static final Path API_EXAMPLES = Path.of("src", "test", "resources", "tito-api");
    private static final ObjectMapper JSON = new ObjectMapper();
    /** The email about registration-2019.json's cancellation, the sentinel's. */
    private static final String SENTINEL_SUBJECT = "Cancelled: registration E9IM, John Smith (1 ticket, USD 0.0)";

    @TempDir
    Path data;

    private GreenMail smtp;
    private TestRelay relay;

    @BeforeEach
    void start() throws Exception {
        int smtpPort = TestRelay.freePort();
        smtp = SmtpServer.on(smtpPort);
        smtp.start();
        relay = TestRelay.start(data, Map.of(
                "mail.smtp.host", "127.0.0.1",
                "mail.smtp.port", String.valueOf(smtpPort),
                "mail.smtp.starttls", "false",
                "mail.organizers", "alice@example.org",
                "mail.from", "tito-relay@example.org"));
    }

    @AfterEach
    void stop() throws Exception {
        relay.close();
        smtp.stop();
    }

    @Test
    void whatReconciliationFindsIsEmailedOnceAndNeverAfterItsWebhook() throws Exception {
        // The webhook told: emailed as usual.
        assertEquals(202, relay.send("ticket.voided", Samples.bytes("ticket-basic.json")).status());
        awaitEmails(1);

        ProducerTemplate reconciliation = relay.camelContext().createProducerTemplate();
        Map<String, Object> alreadyEmailed = voidTicket("1i5nfwf2t24", "ALREADY-1"); // ticket-basic.json's slug
        Map<String, Object> neverTold = voidTicket("ti_never_told", "NEVER-1");
        Map<String, Object> cancelled = cancelledRegistration();
        reconciliation.sendBody("direct:reconciled-cancellation", alreadyEmailed);
        reconciliation.sendBody("direct:reconciled-cancellation", neverTold);
        reconciliation.sendBody("direct:reconciled-cancellation", cancelled);
        // The next pass finds the same two again.
        reconciliation.sendBody("direct:reconciled-cancellation", neverTold);
        reconciliation.sendBody("direct:reconciled-cancellation", cancelled);
        // Sentinel: a later webhook, emailed after everything above was handled.
        byte[] later = Samples.bytes("registration-2019.json");
        assertEquals(202, relay.send("registration.cancelled", later).status());
        awaitEmails(4);
        await("the sentinel's delivery to complete", Duration.ofSeconds(30), () -> relay.inbox().isEmpty());

        List<String> subjects = new ArrayList<>();
        for (MimeMessage email : smtp.getReceivedMessages()) {
            subjects.add(email.getSubject());
        }
        assertEquals(List.of(
                "Voided: ticket 1i5nfwf2t, Peter Winter",
                "Voided: ticket NEVER-1, Never Told (found by reconciliation)",
                "Cancelled: registration 9K9R, Watto (6 tickets, 270.0) (found by reconciliation)",
                "Cancelled: registration E9IM, John Smith (1 ticket, USD 0.0)"), subjects,
                "one email each; none for the void already emailed, none for the second pass");
        String text = textPart(smtp.getReceivedMessages()[1]);
        assertTrue(text.contains("Found by reconciliation with Tito"), text);
        assertTrue(text.startsWith("Ticket NEVER-1 was voided."), text);

        String tickets = Files.readString(data.resolve("sheets/Tickets.csv"));
        assertFalse(tickets.contains("ti_never_told"), "routes/routing.yaml sends what was found only to the email: " + tickets);
    }

    @Test
    void aLaterWebhookAboutTheSameTicketWhoseEmailFailsLeavesItEmailedAbout() throws Exception {
        // The webhook told: emailed as usual.
        assertEquals(202, relay.send("ticket.voided", Samples.bytes("ticket-basic.json")).status());
        awaitEmails(1);
        // Another void of the same ticket (other bytes: another delivery), whose email fails.
        byte[] again = (new String(Samples.bytes("ticket-basic.json"), StandardCharsets.UTF_8) + "\n")
                .getBytes(StandardCharsets.UTF_8);
        sendWithItsEmailFailingIntoADeadLetter("ticket.voided", again);

        // Reconciliation finds the void: the organizers were emailed about it, by the first webhook.
        relay.camelContext().createProducerTemplate().sendBody("direct:reconciled-cancellation",
                voidTicket("1i5nfwf2t24", "ALREADY-1"));
        assertEquals(List.of("Voided: ticket 1i5nfwf2t, Peter Winter", SENTINEL_SUBJECT), subjectsUpToTheSentinel(2),
                "nothing from reconciliation: the organizers were emailed about the void");
    }

    @Test
    void aWebhookWhoseEmailFailsIntoADeadLetterLeavesReconciliationToEmailAboutIt() throws Exception {
        sendWithItsEmailFailingIntoADeadLetter("ticket.voided", Samples.bytes("ticket-basic.json"));

        relay.camelContext().createProducerTemplate().sendBody("direct:reconciled-cancellation",
                voidTicket("1i5nfwf2t24", "ALREADY-1"));
        assertEquals(List.of("Voided: ticket ALREADY-1, Peter Winter (found by reconciliation)", SENTINEL_SUBJECT),
                subjectsUpToTheSentinel(2), "the organizers were not emailed about the void: reconciliation tells them");
    }

    @Test
    void theTicketsOfACancelledRegistrationAreNotEmailedAgainWhenReconciliationFindsThemVoid() throws Exception {
        assertEquals(202, relay.send("registration.cancelled", Samples.bytes("registration-v3.1.json")).status());
        awaitEmails(1);
        String cancellation = smtp.getReceivedMessages()[0].getSubject();
        // Cancelling the registration voided its tickets (Tito's docs): the next reconcile pass finds each of them void.
        JsonNode tickets = JSON.readTree(Samples.bytes("registration-v3.1.json")).get("tickets");
        assertEquals(6, tickets.size());
        for (JsonNode ticket : tickets) {
            relay.camelContext().createProducerTemplate().sendBody("direct:reconciled-cancellation",
                    voidTicket(ticket.get("slug").asText(), "VOIDED-" + ticket.get("slug").asText()));
        }
        assertEquals(List.of(cancellation, SENTINEL_SUBJECT), subjectsUpToTheSentinel(2),
                "the registration's email told the organizers: no email per ticket of it");
    }

    /** Sends a webhook whose email the SMTP server refuses, each retry too, until it is a dead letter. */
    private void sendWithItsEmailFailingIntoADeadLetter(String name, byte[] body) throws Exception {
        String key = DeliveryKeys.key(name, body);
        AtomicInteger refused = new AtomicInteger();
        relay.failAtStart("send-organizer-email-smtp", exchange -> key.equals(
                exchange.getMessage().getHeader("TitoDeliveryKey")) && refused.incrementAndGet() > 0,
                "injected: the SMTP server refuses this email");
        int deadLetters = relay.deadLetters().size();
        assertEquals(202, relay.send(name, body).status());
        await("the webhook kept as a dead letter", Duration.ofSeconds(30), () -> relay.deadLetters().size() == deadLetters + 1);
        await("its delivery done", Duration.ofSeconds(30), () -> relay.inbox().isEmpty());
        assertTrue(refused.get() > 0, "its email was refused");
    }

    /**
     * Sends a later webhook, the sentinel, emailed after everything before it was handled; returns the subjects of the
     * emails received, once at least {@code emails} arrived and the sentinel's delivery is done.
     */
    private List<String> subjectsUpToTheSentinel(int emails) throws Exception {
        assertEquals(202, relay.send("registration.cancelled", Samples.bytes("registration-2019.json")).status());
        awaitEmails(emails);
        await("the sentinel's delivery to complete", Duration.ofSeconds(30), () -> relay.inbox().isEmpty());
        List<String> subjects = new ArrayList<>();
        for (MimeMessage email : smtp.getReceivedMessages()) {
            subjects.add(email.getSubject());
        }
        return subjects;
    }

    /** Tito's example ticket (tickets-show.json), voided. */
    private static Map<String, Object> voidTicket(String slug, String reference) throws Exception {
        ObjectNode ticket = (ObjectNode) JSON.readTree(API_EXAMPLES.resolve("tickets-show.json").toFile()).get("ticket");
        ticket.put("slug", slug).put("reference", reference).put("name", "Never Told").put("state", "void").put("void", true);
        if (reference.startsWith("ALREADY")) {
            ticket.put("name", "Peter Winter");
        }
        return JSON.convertValue(ticket, Map.class);
    }

    /** Tito's example registration (registrations-show.json), cancelled. */
    private static Map<String, Object> cancelledRegistration() throws Exception {
        ObjectNode registration = (ObjectNode) JSON.readTree(API_EXAMPLES.resolve("registrations-show.json").toFile())
                .get("registration");
        registration.put("state", "cancelled").put("cancelled_at", "2022-03-27T09:00:00.000Z");
        return JSON.convertValue(registration, Map.class);
    }

    private static String textPart(MimeMessage email) throws Exception {
        Multipart alternatives = (Multipart) email.getContent();
        for (int i = 0; i < alternatives.getCount(); i++) {
            if (alternatives.getBodyPart(i).getContentType().startsWith("text/plain")) {
                return alternatives.getBodyPart(i).getContent().toString();
            }
        }
        throw new AssertionError("no text part");
    }

    private void awaitEmails(int count) throws InterruptedException {
        await(count + " email(s)", Duration.ofSeconds(30), () -> smtp.getReceivedMessages().length >= count);
    }
}
