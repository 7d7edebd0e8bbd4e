package titorelay.mail;

import org.apache.camel.Exchange;
import org.apache.camel.ExchangePropertyKey;
import org.apache.camel.Processor;
import org.apache.camel.spi.IdempotentRepository;
import org.apache.camel.support.ExchangeHelper;
import org.apache.camel.support.SynchronizationAdapter;
import titorelay.Headers;

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
            if (!emailedAbout.add(about)) {
                exchange.setProperty(ExchangePropertyKey.DUPLICATE_MESSAGE, Boolean.TRUE);
                return;
            }
            exchange.getExchangeExtension().addOnCompletion(new SynchronizationAdapter() {
                @Override
                public void onDone(Exchange done) {
                    // A failure the dead letter channel handled counts too: the delivery is a dead letter.
                    if (done.isFailed() || ExchangeHelper.isFailureHandled(done)) {
                        emailedAbout.remove(about);
                    }
                }
            });
        };
    }
}
