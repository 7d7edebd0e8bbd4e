package titorelay.mail;

import java.nio.file.Path;
import java.util.Properties;

import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;
import org.apache.camel.component.mail.MailComponent;
import org.apache.camel.component.mail.MailConfiguration;
import org.apache.camel.health.HealthCheckRegistry;
import org.apache.camel.spi.Registry;
import titorelay.dedupe.DedupeStore;
import titorelay.settings.Settings;

/**
 * The organizer email sink's steps (routes/email.yaml), the log that sends each email once, and the SMTP settings
 * ({@code mail.*}: on the component, kept out of endpoint URIs, so never logged).
 */
public final class MailWiring implements CamelConfiguration {

    @Override
    public void configure(CamelContext camelContext) throws Exception {
        Settings settings = Settings.of(camelContext);
        Registry registry = camelContext.getRegistry();
        // On disk before the next step: a record lost to a power cut would send an email twice.
        registry.bind("emailLog", DedupeStore.repository(camelContext, "organizer-email", true));
        registry.bind("noteEmailedAbout",
                new EmailedAbout(DedupeStore.repository(camelContext, "organizer-email-about", true)).note());
        registry.bind("organizerEmailFacts", new OrganizerEmailFacts(Path.of(settings.text("mail.templates-dir"))));
        registry.bind("composeOrganizerEmail", new ComposeOrganizerEmail(
                settings.text("mail.from"), settings.text("mail.organizers")));
        registry.bind("emlFile", ComposeOrganizerEmail.toEml());
        MailHealth health = new MailHealth();
        registry.bind("mailSent", health.sent());
        registry.bind("mailFailed", health.failed());
        HealthCheckRegistry.get(camelContext).register(health);

        if (!settings.text("mail.smtp.host").isBlank()) {
            camelContext.getComponent("smtp", MailComponent.class).setConfiguration(smtp(camelContext, settings));
        }
    }

    private static MailConfiguration smtp(CamelContext camelContext, Settings settings) {
        MailConfiguration smtp = new MailConfiguration(camelContext);
        String username = settings.text("mail.smtp.username");
        if (!username.isBlank()) {
            smtp.setUsername(username);
            smtp.setPassword(settings.text("mail.smtp.password"));
        }
        int timeout = settings.integer("mail.smtp.timeout-ms");
        smtp.setConnectionTimeout(timeout);
        Properties javaMail = new Properties();
        String starttls = String.valueOf(settings.flag("mail.smtp.starttls"));
        javaMail.put("mail.smtp.starttls.enable", starttls);
        javaMail.put("mail.smtp.starttls.required", starttls);
        javaMail.put("mail.smtp.timeout", String.valueOf(timeout));
        javaMail.put("mail.smtp.writetimeout", String.valueOf(timeout));
        smtp.setAdditionalJavaMailProperties(javaMail);
        return smtp;
    }
}
