package titorelay.ingress;

import java.io.IOException;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Failures that clients cause on the webhook port (connection resets, clients going away mid-body, bytes the HTTP
 * decoder refuses) are expected on a port facing the internet: one line each, never a stack trace. The refusals
 * themselves are counted in {@code tito.webhooks.rejected}.
 */
final class ClientFailures {

    private static final Logger LOG = LoggerFactory.getLogger(ClientFailures.class);

    private ClientFailures() {
    }

    /**
     * A connection's failure. A reset or close (an IOException) is only worth a line if it cut a request short, which
     * the request's own line says; otherwise (an idle connection reset) it is of no interest.
     */
    static void log(Throwable failure) {
        if (failure instanceof IOException) {
            LOG.debug("A webhook client's connection failed: {}", failure.toString());
        } else {
            log(failure.toString());
        }
    }

    static void log(String what) {
        LOG.info("A webhook client's connection failed: {}", what);
    }
}
