package titorelay.support;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;

import com.icegreen.greenmail.util.GreenMail;
import jakarta.mail.Message;
import jakarta.mail.Session;
import jakarta.mail.Transport;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * How the crash tests tell which relay run sent each copy of an email, and the rule they hold the copies to: an
 * email repeats only across a kill, one copy per kill at most.
 */
class EmailSendersTest {

    @Test
    void theSmtpServerNamesTheRunThatSentEachCopy() throws Exception {
        int port = TestRelay.freePort();
        GreenMail smtp = SmtpServer.on(port);
        smtp.start();
        try {
            send(port, "data-run0", "<a@relay>");
            send(port, "data-run1", "<b@relay>");
            send(port, "data-run2", "<a@relay>");
            Map<String, List<String>> senders = Observed.sendersByMessageId(smtp.getReceivedMessages());
            assertEquals(Map.of("<a@relay>", List.of("data-run0", "data-run2"), "<b@relay>", List.of("data-run1")), senders);
        } finally {
            smtp.stop();
        }
    }

    /** As camel-mail sends: a session made from the system properties, where a run's -Dmail.smtp.localhost is. */
    private static void send(int port, String greeting, String messageId) throws Exception {
        Properties properties = new Properties();
        properties.put("mail.smtp.host", "127.0.0.1");
        properties.put("mail.smtp.port", String.valueOf(port));
        properties.put("mail.smtp.localhost", greeting);
        MimeMessage message = new MimeMessage(Session.getInstance(properties)) {
            @Override
            protected void updateMessageID() throws jakarta.mail.MessagingException {
                setHeader("Message-ID", messageId);
            }
        };
        message.setFrom(new InternetAddress("relay@example.org"));
        message.setRecipient(Message.RecipientType.TO, new InternetAddress("organizers@example.org"));
        message.setSubject("Ticket cancelled");
        message.setText("cancelled");
        Transport.send(message);
    }

    @Test
    void aCopyFromEachRunThatWasThenKilledIsTheOnlyRepeat() {
        Map<String, List<String>> senders = new LinkedHashMap<>();
        senders.put("<once@relay>", List.of("run0"));
        senders.put("<twice@relay>", List.of("run0", "run1"));
        senders.put("<three-times@relay>", List.of("run1", "run2", "run3"));
        Map<String, List<String>> repeated =
                Observed.assertRepeatsOnlyAcrossKills(senders, Set.of("run0", "run1", "run2"));
        assertEquals(Map.of("<twice@relay>", List.of("run0", "run1"),
                "<three-times@relay>", List.of("run1", "run2", "run3")), repeated);
        assertTrue(Observed.assertRepeatsOnlyAcrossKills(Map.of("<once@relay>", List.of("run4")), Set.of()).isEmpty());
    }

    @Test
    void aRepeatWithoutItsOwnKillFails() {
        // sent twice by one run: a retry after an SMTP error, say, not a kill
        assertRefused(Map.of("<a@relay>", List.of("run1", "run1")), Set.of("run1"), "more than once by one run");
        // the earlier copy's run was never killed
        assertRefused(Map.of("<a@relay>", List.of("run4", "run5")), Set.of("run0", "run1"), "run4, which was not killed");
        // one kill in the instant of two emails: the relay sends one at a time
        Map<String, List<String>> twoEmails = new LinkedHashMap<>();
        twoEmails.put("<a@relay>", List.of("run1", "run2"));
        twoEmails.put("<b@relay>", List.of("run1", "run2"));
        assertRefused(twoEmails, Set.of("run1"), "one kill of run1 would explain repeats of two emails");
    }

    private static void assertRefused(Map<String, List<String>> senders, Set<String> killed, String why) {
        AssertionError refused = assertThrows(AssertionError.class,
                () -> Observed.assertRepeatsOnlyAcrossKills(senders, killed));
        assertTrue(refused.getMessage().contains(why), refused.getMessage());
    }
}
