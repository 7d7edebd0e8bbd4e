package titorelay.tito;

import java.time.Instant;
import java.util.Map;

import org.apache.camel.health.HealthCheckResultBuilder;
import org.apache.camel.impl.health.AbstractHealthCheck;

/**
 * DOWN, naming the setting to fix, while Tito refuses the token (401) or knows no such account or event (404); UP
 * again once a pass gets through. Webhooks are received and dispatched either way.
 */
public final class TitoApiHealthCheck extends AbstractHealthCheck {

    private final TitoMirror mirror;

    TitoApiHealthCheck(TitoMirror mirror) {
        super("tito-relay", "tito-api");
        this.mirror = mirror;
    }

    @Override
    protected void doCall(HealthCheckResultBuilder builder, Map<String, Object> options) {
        long last = mirror.lastSuccess();
        builder.detail("last-successful-pass", last == 0 ? "none yet" : Instant.ofEpochSecond(last).toString());
        builder.detail("tickets-fetched", mirror.fetched(RecordKind.TICKETS));
        builder.detail("registrations-fetched", mirror.fetched(RecordKind.REGISTRATIONS));
        String problem = mirror.problem();
        if (problem == null) {
            builder.up();
        } else {
            builder.message(problem).down();
        }
    }
}
