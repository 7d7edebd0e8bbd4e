package titorelay.sheets;

import java.util.Map;

import org.apache.camel.health.HealthCheckResultBuilder;
import org.apache.camel.impl.health.AbstractHealthCheck;

/** DOWN, saying what to fix, while the spreadsheet refuses writes; UP again after the next successful write. */
public final class SpreadsheetHealthCheck extends AbstractHealthCheck {

    private final SpreadsheetSink sink;

    public SpreadsheetHealthCheck(SpreadsheetSink sink) {
        super("tito-relay", "spreadsheet");
        this.sink = sink;
    }

    @Override
    protected void doCall(HealthCheckResultBuilder builder, Map<String, Object> options) {
        builder.detail("spreadsheet", sink.describe());
        String problem = sink.problem();
        if (problem == null) {
            builder.up();
        } else {
            builder.message(problem).down();
        }
    }
}
