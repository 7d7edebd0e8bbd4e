package titorelay.mail;

import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import org.apache.camel.Exchange;
import org.apache.camel.ExchangePropertyKey;
import org.apache.camel.Processor;
import org.apache.camel.spi.IdempotentRepository;
import org.apache.camel.support.ExchangeHelper;
import org.apache.camel.support.SynchronizationAdapter;
import titorelay.Headers;
import titorelay.WebhookPayload;

/**
 * What the organizers were emailed about (a ticket or registration: its webhook name and slug), for routes/email.yaml:
 * what reconciliation finds is not emailed again. Noted before the send, so that what reconciliation finds while a
 * webhook's email is on its way is not sent too, and forgotten if the delivery that noted it fails (its email may not
 * have gone out), so that reconciliation can still tell the organizers.
 * <p>
 * Only the delivery that noted it forgets it. A later delivery about the same ticket (voided again, or a reconcile
 * pass) finds it noted and is marked a repeat; if that one failed and forgot it, as Camel's idempotent consumer would
 * (it runs its completion for the repeats it marks too), reconciliation would email about what the organizers were
 * already emailed about.
 */
final class EmailedAbout {

    /** What routes/email.yaml's TitoEmailAbout header says of a registration's cancellation, and of a voided ticket. */
    private static final String REGISTRATION_CANCELLED = "registration.cancelled ";
    private static final String TICKET_VOIDED = "ticket.voided ";

    private final IdempotentRepository emailedAbout;

    EmailedAbout(IdempotentRepository emailedAbout) {
        this.emailedAbout = emailedAbout;
    }

    /** Notes what the email is about for this delivery, or marks the delivery a repeat (CamelDuplicateMessage). */
    Processor note() {
        return exchange -> {
            String about = exchange.getMessage().getHeader(Headers.EMAIL_ABOUT, String.class);
            if (about == null) {
                throw new IllegalStateException("the email has no " + Headers.EMAIL_ABOUT + " header");
            }
            List<String> noted = new ArrayList<>();
            if (about.startsWith(REGISTRATION_CANCELLED) && !emailedAbout.contains(about)) {
                // Cancelling a registration voids its tickets, and a reconcile pass then finds each of them void: the
                // registration's email told the organizers, so those are not emailed one by one as well. Its tickets
                // are noted before the registration itself: a relay killed between two of these notes has not noted
                // the registration, so the delivery, taken again, is no repeat and notes the tickets left.
                for (JsonNode ticket : WebhookPayload.of(exchange).path("tickets")) {
                    String slug = ticket.path("slug").asText("");
                    if (!slug.isBlank() && emailedAbout.add(TICKET_VOIDED + slug)) {
                        noted.add(TICKET_VOIDED + slug);
                    }
                }
            }
            if (!emailedAbout.add(about)) {
                // A twin noted it meanwhile: its email covers the tickets noted here, which stay noted.
                exchange.setProperty(ExchangePropertyKey.DUPLICATE_MESSAGE, Boolean.TRUE);
                return;
            }
            noted.add(about);
            exchange.getExchangeExtension().addOnCompletion(new SynchronizationAdapter() {
                @Override
                public void onDone(Exchange done) {
                    // A failure the dead letter channel handled counts too: the delivery is a dead letter.
                    if (done.isFailed() || ExchangeHelper.isFailureHandled(done)) {
                        noted.forEach(emailedAbout::remove);
                    }
                }
            });
        };
    }
}
