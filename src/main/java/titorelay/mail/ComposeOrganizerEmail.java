package titorelay.mail;

import java.io.ByteArrayOutputStream;
import java.util.Properties;

import jakarta.mail.Message;
import jakarta.mail.MessagingException;
import jakarta.mail.Session;
import jakarta.mail.internet.AddressException;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeBodyPart;
import jakarta.mail.internet.MimeMessage;
import jakarta.mail.internet.MimeMultipart;
import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import titorelay.Headers;

/**
 * Builds the organizer email from the rendered templates (variables {@code subject}, {@code text}, {@code html}):
 * one message to every organizer, plain text and HTML as alternatives. Its Message-ID comes from the delivery, so
 * the same delivery always makes the same message. The same message is sent by SMTP or written as a .eml file.
 */
public class ComposeOrganizerEmail implements Processor {

    private static final Session SESSION = Session.getInstance(new Properties());

    private final InternetAddress from;
    private final InternetAddress[] organizers;

    /** Refuses, at start, addresses no email could be sent with: else every email would fail, one by one. */
    public ComposeOrganizerEmail(String from, String organizers) {
        this.from = address("mail.from", from);
        this.organizers = recipients(organizers);
    }

    private static InternetAddress address(String setting, String value) {
        try {
            InternetAddress address = new InternetAddress(value, true);
            address.validate();
            return address;
        } catch (AddressException e) {
            throw new IllegalArgumentException(setting + " is not an email address ('" + value + "'): " + e.getMessage(), e);
        }
    }

    /** mail.organizers: addresses separated by commas, or by semicolons as Outlook writes a list. */
    static InternetAddress[] recipients(String organizers) {
        try {
            InternetAddress[] addresses = InternetAddress.parse(organizers.replace(';', ','), true);
            for (InternetAddress address : addresses) {
                address.validate();
            }
            if (addresses.length == 0) {
                throw new AddressException("no address");
            }
            return addresses;
        } catch (AddressException e) {
            throw new IllegalArgumentException("mail.organizers is not a list of email addresses separated by commas ('"
                                               + organizers + "'): " + e.getMessage(), e);
        }
    }

    @Override
    public void process(Exchange exchange) throws MessagingException {
        String deliveryKey = exchange.getMessage().getHeader(Headers.DELIVERY_KEY, String.class);
        String webhook = exchange.getMessage().getHeader(Headers.WEBHOOK_NAME, String.class);
        String id = "<" + deliveryKey + "." + webhook + "@tito-relay>";
        MimeMessage message = new MimeMessage(SESSION) {
            @Override
            protected void updateMessageID() throws MessagingException {
                setHeader("Message-ID", id);
            }
        };
        message.setFrom(from);
        message.setRecipients(Message.RecipientType.TO, organizers);
        message.setSubject(oneLine(exchange.getVariable("subject", String.class)), "UTF-8");

        MimeBodyPart text = new MimeBodyPart();
        text.setText(exchange.getVariable("text", String.class), "UTF-8", "plain");
        MimeBodyPart html = new MimeBodyPart();
        html.setText(exchange.getVariable("html", String.class), "UTF-8", "html");
        MimeMultipart alternatives = new MimeMultipart("alternative");
        alternatives.addBodyPart(text);
        alternatives.addBodyPart(html);
        message.setContent(alternatives);
        message.saveChanges();
        exchange.getMessage().setBody(message);
    }

    /** A message as the bytes of a .eml file, which any mail program opens. */
    public static Processor toEml() {
        return exchange -> {
            ByteArrayOutputStream eml = new ByteArrayOutputStream();
            exchange.getMessage().getBody(MimeMessage.class).writeTo(eml);
            exchange.getMessage().setBody(eml.toByteArray());
        };
    }

    private static String oneLine(String subject) {
        return subject == null ? "" : subject.replaceAll("\\s+", " ").strip();
    }
}
