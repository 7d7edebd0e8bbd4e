package titorelay;

import java.nio.file.Path;
import java.util.Properties;

import javax.sql.DataSource;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;
import org.apache.camel.Configuration;
import org.apache.camel.component.mail.MailComponent;
import org.apache.camel.component.mail.MailConfiguration;
import org.apache.camel.health.HealthCheckRegistry;
import org.apache.camel.component.platform.http.PlatformHttpConstants;
import org.apache.camel.component.platform.http.vertx.VertxPlatformHttpEngine;
import org.apache.camel.processor.idempotent.jdbc.JdbcMessageIdRepository;
import org.apache.camel.spi.CamelEvent;
import org.apache.camel.spi.Registry;
import org.apache.camel.support.SimpleEventNotifierSupport;
import titorelay.dedupe.DedupeDatabase;
import titorelay.inbox.DeadLetterHealth;
import titorelay.inbox.DeleteDispatchedFile;
import titorelay.inbox.DeliveriesInFlight;
import titorelay.inbox.InboxJournal;
import titorelay.inbox.InboxJournalHealth;
import titorelay.inbox.OpenInboxEnvelope;
import titorelay.inbox.RecordDeadLetter;
import titorelay.inbox.SealInboxEnvelope;
import titorelay.inbox.UnroutedWebhookLog;
import titorelay.ingress.CheckWebhookPayload;
import titorelay.ingress.ReadWebhookRequest;
import titorelay.ingress.RequestGuard;
import titorelay.ingress.WebhookPortLimits;
import titorelay.mail.ComposeOrganizerEmail;
import titorelay.mail.MailHealth;
import titorelay.mail.OrganizerEmailFacts;
import titorelay.management.HealthDetailsGuard;
import titorelay.sheets.SpreadsheetWiring;
import titorelay.signature.SecurityTokens;
import titorelay.signature.TitoSignature;
import titorelay.signature.VerifyTitoSignature;
import titorelay.storage.DataDirectory;
import titorelay.tito.TitoApiWiring;

/**
 * The Java steps that routes/*.yaml refer to by name. (Bound in {@link #configure}, which Camel Main calls once,
 * rather than with {@code @BindToRegistry} methods, which it may call twice.)
 */
@Configuration
public class RelayBeans implements CamelConfiguration {

    @Override
    public void configure(CamelContext camelContext) throws Exception {
        Path dataDir = DataDirectory.secure(Path.of(property(camelContext, "relay.data-dir")));
        Registry registry = camelContext.getRegistry();

        registry.bind("readWebhookRequest", new ReadWebhookRequest());
        registry.bind("verifyTitoSignature", new VerifyTitoSignature(new TitoSignature(
                SecurityTokens.configuredOrGenerated(property(camelContext, "tito.security-tokens"), dataDir))));
        registry.bind("checkWebhookPayload", new CheckWebhookPayload());
        registry.bind("sealInboxEnvelope", new SealInboxEnvelope());
        registry.bind("openInboxEnvelope", new OpenInboxEnvelope());
        registry.bind("logUnroutedWebhook", new UnroutedWebhookLog(
                Integer.parseInt(property(camelContext, "relay.unrouted.logged-names")),
                Long.parseLong(property(camelContext, "relay.unrouted.summary-interval-ms"))));
        registry.bind("recordDeadLetter", new RecordDeadLetter());
        registry.bind("noteRedelivery", RecordDeadLetter.noteRedelivery());
        DeadLetterHealth deadLetterHealth = new DeadLetterHealth(dataDir.resolve("dead-letters"));
        HealthCheckRegistry.get(camelContext).register(deadLetterHealth);
        registry.bind("deadLetterNotKept", deadLetterHealth.notKept());
        DataSource dedupe = DedupeDatabase.open(property(camelContext, "relay.dedupe.jdbc-url"),
                property(camelContext, "relay.dedupe.jdbc-user"), property(camelContext, "relay.dedupe.jdbc-password"), dataDir);
        camelContext.addService(DedupeDatabase.closedOnStop(dedupe));
        JdbcMessageIdRepository deliveryLog = new JdbcMessageIdRepository(dedupe, "dispatch");
        registry.bind("deliveryLog", deliveryLog);
        registry.bind("storeInInbox", inboxJournal(camelContext, dataDir, deliveryLog).storeInInbox());
        DeliveriesInFlight inFlight = new DeliveriesInFlight();
        registry.bind("deliveriesInFlight", inFlight);
        registry.bind("forgetInFlight", inFlight.forget());
        registry.bind("inboxFilesInProgress", new DeliveriesInFlight());
        registry.bind("deleteDispatchedFile", new DeleteDispatchedFile());
        registry.bind("emailLog", new JdbcMessageIdRepository(dedupe, "organizer-email"));

        SpreadsheetWiring.install(camelContext, dataDir, key -> property(camelContext, key));
        organizerEmail(camelContext, registry);

        int port = Integer.parseInt(property(camelContext, "camel.server.port"));
        RequestGuard.requireFreePort(property(camelContext, "camel.server.host", "0.0.0.0"), port, "camel.server.port");
        RequestGuard.requireFreePort(property(camelContext, "camel.management.host", "0.0.0.0"),
                Integer.parseInt(property(camelContext, "camel.management.port")), "camel.management.port");
        HealthDetailsGuard.install(camelContext, Integer.parseInt(property(camelContext, "camel.management.port")),
                property(camelContext, "camel.management.health-path", "/observe/health"));
        registry.bind(PlatformHttpConstants.PLATFORM_HTTP_ENGINE_NAME, webhookHttpEngine(port));
        WebhookPortLimits limits = WebhookPortLimits.fromSettings(camelContext, key -> property(camelContext, key));
        registry.bind("vertx", limits.vertxFor(port));
        RequestGuard.install(camelContext, port, property(camelContext, "tito.path"), limits);
        TitoApiWiring.install(camelContext, key -> property(camelContext, key));
    }

    /** The inbox's group commit: a webhook is fsync'd in a journal together with the others arriving with it. */
    private static InboxJournal inboxJournal(CamelContext camelContext, Path dataDir, JdbcMessageIdRepository deliveryLog)
            throws Exception {
        InboxJournal journal = new InboxJournal(dataDir.resolve("inbox-journal"), dataDir.resolve("inbox"),
                dataDir.resolve("dead-letters"), Long.parseLong(property(camelContext, "relay.inbox.journal-segment-bytes")),
                Integer.parseInt(property(camelContext, "relay.inbox.max-files")), deliveryLog);
        camelContext.addService(journal);
        camelContext.getRegistry().bind("inboxJournal", journal);
        HealthCheckRegistry.get(camelContext).register(new InboxJournalHealth(journal));
        camelContext.getManagementStrategy().addEventNotifier(new SimpleEventNotifierSupport() {
            @Override
            public void notify(CamelEvent event) {
                if (event instanceof CamelEvent.CamelContextStartedEvent) {
                    MeterRegistry meters = camelContext.getRegistry().findSingleByType(MeterRegistry.class);
                    if (meters != null) {
                        FunctionCounter.builder("tito.inbox.journal.commits", journal, InboxJournal::commits)
                                .description("fsyncs of the inbox journal (each covers every webhook waiting then)")
                                .register(meters);
                        FunctionCounter.builder("tito.inbox.journal.records", journal, InboxJournal::committed)
                                .description("webhooks committed to the inbox journal").register(meters);
                        FunctionCounter.builder("tito.inbox.journal.damaged.records", journal, InboxJournal::damagedRecords)
                                .description("acknowledged webhooks lost to damage in the inbox journal (estimated)").register(meters);
                        FunctionCounter.builder("tito.inbox.journal.damaged.bytes", journal, InboxJournal::damagedBytes)
                                .description("inbox journal bytes passed over as damaged").register(meters);
                        Gauge.builder("tito.inbox.journal.unspooled", journal, InboxJournal::unspooled)
                                .description("committed webhooks whose inbox file is not written yet").register(meters);
                        Gauge.builder("tito.inbox.journal.segments", journal, InboxJournal::segments)
                                .description("inbox journal segments on disk").register(meters);
                    }
                }
            }
        });
        return journal;
    }

    /** The organizer email sink's steps, and the SMTP settings (kept out of endpoint URIs, so never logged). */
    private static void organizerEmail(CamelContext camelContext, Registry registry) {
        registry.bind("organizerEmailFacts", new OrganizerEmailFacts(Path.of(property(camelContext, "mail.templates-dir"))));
        registry.bind("composeOrganizerEmail", new ComposeOrganizerEmail(
                property(camelContext, "mail.from"), property(camelContext, "mail.organizers")));
        registry.bind("emlFile", ComposeOrganizerEmail.toEml());
        MailHealth health = new MailHealth();
        registry.bind("mailSent", health.sent());
        registry.bind("mailFailed", health.failed());
        HealthCheckRegistry.get(camelContext).register(health);

        if (!property(camelContext, "mail.smtp.host").isBlank()) {
            MailConfiguration smtp = new MailConfiguration(camelContext);
            String username = property(camelContext, "mail.smtp.username");
            if (!username.isBlank()) {
                smtp.setUsername(username);
                smtp.setPassword(property(camelContext, "mail.smtp.password"));
            }
            int timeout = Integer.parseInt(property(camelContext, "mail.smtp.timeout-ms"));
            smtp.setConnectionTimeout(timeout);
            Properties javaMail = new Properties();
            String starttls = String.valueOf(Boolean.parseBoolean(property(camelContext, "mail.smtp.starttls")));
            javaMail.put("mail.smtp.starttls.enable", starttls);
            javaMail.put("mail.smtp.starttls.required", starttls);
            javaMail.put("mail.smtp.timeout", String.valueOf(timeout));
            javaMail.put("mail.smtp.writetimeout", String.valueOf(timeout));
            smtp.setAdditionalJavaMailProperties(javaMail);
            camelContext.getComponent("smtp", MailComponent.class).setConfiguration(smtp);
        }
    }

    /**
     * Camel's Vert.x engine finds its port by looking for the one HTTP server; with the management server beside it
     * there are two, and it silently falls back to 8080. Tell it the webhook port instead.
     */
    private static VertxPlatformHttpEngine webhookHttpEngine(int port) {
        return new VertxPlatformHttpEngine() {
            @Override
            public int getServerPort() {
                return port;
            }
        };
    }

    private static String property(CamelContext camelContext, String key) {
        return property(camelContext, key, "");
    }

    private static String property(CamelContext camelContext, String key, String defaultValue) {
        return camelContext.getPropertiesComponent().resolveProperty(key).orElse(defaultValue);
    }
}
