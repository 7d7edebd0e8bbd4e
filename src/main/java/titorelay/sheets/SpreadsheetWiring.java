package titorelay.sheets;

import java.nio.file.Path;

import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;
import org.apache.camel.component.google.sheets.GoogleSheetsComponent;
import org.apache.camel.component.google.sheets.GoogleSheetsConfiguration;
import org.apache.camel.health.HealthCheckRegistry;
import org.apache.camel.spi.OnCamelContextStopping;
import org.apache.camel.support.LifecycleStrategySupport;
import titorelay.inbox.DispatchOwnership;
import titorelay.settings.Settings;
import titorelay.storage.DataDirectory;
import titorelay.storage.OwnerOnly;

/**
 * Sets up the spreadsheet sink once, at start: Google Sheets when {@code sheets.spreadsheet-id} is set, else CSV files
 * under data/sheets, both kept by the same upsert and batching logic. Binds the {@code spreadsheet} step that
 * routes/spreadsheet.yaml calls.
 */
public final class SpreadsheetWiring implements CamelConfiguration {

    @Override
    public void configure(CamelContext camelContext) throws Exception {
        Settings settings = Settings.of(camelContext);
        Path dataDir = DataDirectory.of(camelContext);
        SheetColumns columns = SheetColumns.load(Path.of(settings.text("sheets.columns-file")));
        String spreadsheetId = settings.text("sheets.spreadsheet-id");
        Spreadsheet sheet = spreadsheetId.isBlank()
                ? new CsvSpreadsheet(OwnerOnly.directory(dataDir.resolve("sheets")))
                : google(camelContext, spreadsheetId, settings);
        // Google's quota sets its interval; local CSV files have none, and are written sooner.
        long flushIntervalMs = spreadsheetId.isBlank()
                ? settings.longInteger("sheets.csv-flush-interval-ms")
                : settings.longInteger("sheets.flush-interval-ms");
        SpreadsheetSink sink = new SpreadsheetSink(columns, sheet, flushIntervalMs,
                settings.longInteger("sheets.max-backoff-ms"),
                settings.integer("sheets.max-waiting"));
        sink.setOwnership(DispatchOwnership.of(camelContext));
        camelContext.addService(sink); // a Camel service, so it flushes on stop
        // Called as the relay starts stopping, while the routes (and so the Google calls) still run.
        camelContext.addLifecycleStrategy(
                LifecycleStrategySupport.adapt((OnCamelContextStopping) context -> sink.drain()));
        HealthCheckRegistry.get(camelContext).register(new SpreadsheetHealthCheck(sink));
        camelContext.getRegistry().bind("spreadsheet", sink.processor());
    }

    private static Spreadsheet google(CamelContext camelContext, String spreadsheetId, Settings settings) {
        GoogleSheetsComponent component = camelContext.getComponent("google-sheets", GoogleSheetsComponent.class);
        component.setClientFactory(new RootUrlSheetsClientFactory(settings.text("sheets.root-url"),
                settings.text("sheets.credentials"), settings.text("sheets.access-token"),
                settings.integer("sheets.timeout-ms")));
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
