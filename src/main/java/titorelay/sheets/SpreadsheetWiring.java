package titorelay.sheets;

import java.nio.file.Path;
import java.util.function.Function;

import org.apache.camel.CamelContext;
import org.apache.camel.component.google.sheets.GoogleSheetsComponent;
import org.apache.camel.component.google.sheets.GoogleSheetsConfiguration;
import org.apache.camel.health.HealthCheckRegistry;
import org.apache.camel.spi.CamelEvent;
import org.apache.camel.support.SimpleEventNotifierSupport;
import titorelay.storage.OwnerOnly;

/**
 * Sets up the spreadsheet sink once, at start: Google Sheets when {@code sheets.spreadsheet-id} is set, else CSV files
 * under data/sheets, both kept by the same upsert and batching logic. Binds the {@code spreadsheet} step that
 * routes/spreadsheet.yaml calls.
 */
public final class SpreadsheetWiring {

    private SpreadsheetWiring() {
    }

    public static void install(CamelContext camelContext, Path dataDir, Function<String, String> settings) throws Exception {
        SheetColumns columns = SheetColumns.load(Path.of(settings.apply("sheets.columns-file")));
        String spreadsheetId = settings.apply("sheets.spreadsheet-id");
        Spreadsheet sheet = spreadsheetId.isBlank()
                ? new CsvSpreadsheet(OwnerOnly.directory(dataDir.resolve("sheets")))
                : google(camelContext, spreadsheetId, settings);
        SpreadsheetSink sink = new SpreadsheetSink(columns, sheet,
                Long.parseLong(settings.apply("sheets.flush-interval-ms")),
                Long.parseLong(settings.apply("sheets.max-backoff-ms")),
                Integer.parseInt(settings.apply("sheets.max-waiting")));
        camelContext.addService(sink); // a Camel service, so it flushes on stop
        camelContext.getManagementStrategy().addEventNotifier(new SimpleEventNotifierSupport() {
            @Override
            public void notify(CamelEvent event) {
                if (event instanceof CamelEvent.CamelContextStoppingEvent) {
                    sink.drain();
                }
            }
        });
        HealthCheckRegistry.get(camelContext).register(new SpreadsheetHealthCheck(sink));
        camelContext.getRegistry().bind("spreadsheet", sink.processor());
    }

    private static Spreadsheet google(CamelContext camelContext, String spreadsheetId, Function<String, String> settings) {
        GoogleSheetsComponent component = camelContext.getComponent("google-sheets", GoogleSheetsComponent.class);
        component.setClientFactory(new RootUrlSheetsClientFactory(settings.apply("sheets.root-url"),
                settings.apply("sheets.credentials"), settings.apply("sheets.access-token"),
                Integer.parseInt(settings.apply("sheets.timeout-ms"))));
        // The component only asks its factory for a client when some credential is configured on it; the factory
        // then uses the relay's own settings.
        GoogleSheetsConfiguration configuration = new GoogleSheetsConfiguration();
        configuration.setClientId("tito-relay");
        configuration.setClientSecret("see-RootUrlSheetsClientFactory");
        configuration.setApplicationName("tito-relay");
        component.setConfiguration(configuration);
        return new GoogleSpreadsheet(camelContext.createProducerTemplate(), spreadsheetId);
    }
}
