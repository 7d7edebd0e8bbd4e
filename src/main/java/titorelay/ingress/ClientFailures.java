package titorelay.ingress;

import java.io.IOException;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Failures that clients cause on the webhook port (connection resets, clients going away mid-body, bytes the HTTP
 * decoder refuses) are expected on a port facing the internet: one line each, never a stack trace, and what the
 * client sent never written as it came (see {@link #printable}). The refusals themselves are counted in
 * {@code tito.webhooks.rejected}.
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
            LOG.debug("A webhook client's connection failed: {}", printable(failure.toString()));
        } else {
            log(failure.toString());
        }
    }

    static void log(String what) {
        LOG.info("A webhook client's connection failed: {}", printable(what));
    }

    /**
     * The text with each control character written as its Java escape (a CR as <code>&#92;u000d</code>). The HTTP
     * decoder's messages quote what the client sent (a header's name or value): a line break in it would let a client
     * forge log lines, an escape sequence would drive the terminal of whoever reads the log. (The decoder reads bytes as
     * ISO-8859-1, so the C0 and C1 controls and DEL are all the control characters a client can put here.)
     */
    private static String printable(String text) {
        StringBuilder out = null;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (Character.isISOControl(c)) {
                if (out == null) {
                    out = new StringBuilder(text.length() + 16).append(text, 0, i);
                }
                out.append(String.format("\\u%04x", (int) c));
            } else if (out != null) {
                out.append(c);
            }
        }
        return out == null ? text : out.toString();
    }
}
