package titorelay.mail;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import com.icegreen.greenmail.util.GreenMail;
import jakarta.mail.Message;
import jakarta.mail.internet.MimeMessage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import titorelay.support.Samples;
import titorelay.support.SmtpServer;
import titorelay.support.TestRelay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * mail.organizers as people write it: a list separated by semicolons (as Outlook copies one) reaches everyone on it;
 * one that is no list of addresses stops the relay at start, naming the setting, where every email used to fail one
 * by one into dead letters while health said UP.
 */
class OrganizerAddressesTest {

    @TempDir
    Path data;

    @Test
    void aListSeparatedBySemicolonsReachesEveryoneOnIt() throws Exception {
        int smtpPort = TestRelay.freePort();
        GreenMail smtp = SmtpServer.on(smtpPort);
        smtp.start();
        try (TestRelay relay = TestRelay.start(data, settings(smtpPort, "alice@example.org; bob@example.org"))) {
            assertEquals(202, relay.send("registration.cancelled", Samples.bytes("registration-v3.1.json")).status());
            TestRelay.await("the email in both mailboxes", Duration.ofSeconds(30), () -> smtp.getReceivedMessages().length == 2);
            MimeMessage email = smtp.getReceivedMessages()[0];
            assertEquals(List.of("alice@example.org", "bob@example.org"),
                    Arrays.stream(email.getRecipients(Message.RecipientType.TO)).map(Object::toString).toList());
        } finally {
            smtp.stop();
        }
    }

    @Test
    void aListThatIsNoAddressesStopsTheRelayAtStartNamingTheSetting() {
        for (String organizers : List.of("alice@example.org bob@example.org", "alice at example.org", " ")) {
            Exception refused = assertThrows(Exception.class,
                    () -> TestRelay.start(data.resolve("run" + organizers.hashCode()), settings(TestRelay.freePort(), organizers)).close(),
                    "'" + organizers + "' refused");
            assertTrue(causes(refused).contains("mail.organizers"), organizers + ": " + causes(refused));
        }
    }

    private static Map<String, String> settings(int smtpPort, String organizers) {
        return Map.of(
                "mail.smtp.host", "127.0.0.1",
                "mail.smtp.port", String.valueOf(smtpPort),
                "mail.smtp.starttls", "false",
                "mail.organizers", organizers,
                "mail.from", "tito-relay@example.org");
    }

    private static String causes(Throwable failure) {
        StringBuilder messages = new StringBuilder();
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            messages.append(cause.getMessage()).append(" | ");
        }
        return messages.toString();
    }
}
