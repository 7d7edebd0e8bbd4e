package titorelay.mail;

import java.net.ConnectException;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

import jakarta.mail.Address;
import jakarta.mail.AuthenticationFailedException;
import jakarta.mail.SendFailedException;
import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.apache.camel.health.HealthCheckResultBuilder;
import org.apache.camel.impl.health.AbstractHealthCheck;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import titorelay.inbox.SinkFailedException;

/**
 * How sending organizer email goes. A server that is down or busy is a passing problem (dispatch retries); a
 * rejection that will not pass by itself (wrong password, a recipient the server refuses) turns health DOWN, saying
 * what to fix, until an email goes through again.
 */
public final class MailHealth extends AbstractHealthCheck {

    private static final Logger LOG = LoggerFactory.getLogger(MailHealth.class);

    private final AtomicReference<String> problem = new AtomicReference<>();

    public MailHealth() {
        super("tito-relay", "organizer-email");
    }

    @Override
    protected void doCall(HealthCheckResultBuilder builder, Map<String, Object> options) {
        String current = problem.get();
        if (current == null) {
            builder.up();
        } else {
            builder.message(current).down();
        }
    }

    /** After an email was sent. */
    public Processor sent() {
        return exchange -> {
            if (problem.getAndSet(null) != null) {
                LOG.info("Organizer email goes through again");
            }
        };
    }

    /** After sending failed: records why, then fails the exchange again so that dispatch retries it. */
    public Processor failed() {
        return exchange -> {
            Exception failure = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Exception.class);
            String permanent = permanentReason(failure);
            if (permanent != null) {
                problem.set(permanent);
                LOG.error("Organizer email rejected: {}", permanent);
            } else {
                LOG.warn("Organizer email not sent yet ({}); it will be retried", rootMessage(failure));
            }
            throw new SinkFailedException("organizer-email", failure);
        };
    }

    static String permanentReason(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof AuthenticationFailedException) {
                return "The SMTP server refused the login: check mail.smtp.username and MAIL_SMTP_PASSWORD";
            }
            if (t instanceof SendFailedException refused && refused.getInvalidAddresses() != null
                && refused.getInvalidAddresses().length > 0) {
                return "The SMTP server refused the recipient(s) "
                       + Arrays.toString(Arrays.stream(refused.getInvalidAddresses()).map(Address::toString).toArray())
                       + ": check mail.organizers";
            }
            if (t instanceof ConnectException || t instanceof UnknownHostException) {
                return null;
            }
        }
        return null;
    }

    private static String rootMessage(Throwable failure) {
        Throwable root = failure;
        while (root.getCause() != null) {
            root = root.getCause();
        }
        return root.getClass().getSimpleName() + ": " + root.getMessage();
    }
}
