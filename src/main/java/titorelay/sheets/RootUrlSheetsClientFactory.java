package titorelay.sheets;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.List;

import com.google.api.client.http.HttpRequestInitializer;
import com.google.api.client.http.javanet.NetHttpTransport;
import com.google.api.client.json.gson.GsonFactory;
import com.google.api.services.sheets.v4.Sheets;
import com.google.api.services.sheets.v4.SheetsScopes;
import com.google.auth.http.HttpCredentialsAdapter;
import com.google.auth.oauth2.AccessToken;
import com.google.auth.oauth2.GoogleCredentials;
import org.apache.camel.CamelContext;
import org.apache.camel.component.google.sheets.GoogleSheetsClientFactory;

/**
 * Makes camel-google-sheets' client with the relay's own settings: the API's root URL ({@code sheets.root-url}, so
 * that any Sheets-v4-compatible endpoint works), a service-account key file or a ready access token, and time-outs,
 * so that a hanging request is retried instead of blocking the sink.
 */
public final class RootUrlSheetsClientFactory implements GoogleSheetsClientFactory {

    private final String rootUrl;
    private final String credentialsFile;
    private final String accessToken;
    private final int timeoutMs;

    public RootUrlSheetsClientFactory(String rootUrl, String credentialsFile, String accessToken, int timeoutMs) {
        this.rootUrl = rootUrl.endsWith("/") ? rootUrl : rootUrl + "/";
        this.credentialsFile = credentialsFile;
        this.accessToken = accessToken;
        this.timeoutMs = timeoutMs;
    }

    @Override
    public Sheets makeClient(String clientId, String clientSecret, Collection<String> scopes, String applicationName,
            String refreshToken, String accessToken) {
        return client(applicationName);
    }

    @Override
    public Sheets makeClient(CamelContext camelContext, String serviceAccountKey, Collection<String> scopes,
            String applicationName, String delegate) {
        return client(applicationName);
    }

    private Sheets client(String applicationName) {
        GoogleCredentials credentials = credentials();
        HttpCredentialsAdapter authorization = new HttpCredentialsAdapter(credentials);
        HttpRequestInitializer initializer = request -> {
            authorization.initialize(request);
            request.setConnectTimeout(timeoutMs);
            request.setReadTimeout(timeoutMs);
        };
        return new Sheets.Builder(new NetHttpTransport(), GsonFactory.getDefaultInstance(), initializer)
                .setRootUrl(rootUrl)
                .setApplicationName(applicationName == null ? "tito-relay" : applicationName)
                .build();
    }

    private GoogleCredentials credentials() {
        try {
            if (credentialsFile != null && !credentialsFile.isBlank()) {
                try (InputStream key = Files.newInputStream(Path.of(credentialsFile))) {
                    return GoogleCredentials.fromStream(key).createScoped(List.of(SheetsScopes.SPREADSHEETS));
                }
            }
            if (accessToken != null && !accessToken.isBlank()) {
                return GoogleCredentials.create(new AccessToken(accessToken, null));
            }
        } catch (IOException e) {
            throw new IllegalStateException("Cannot read the service-account key " + credentialsFile + ": " + e.getMessage(), e);
        }
        throw new IllegalStateException("sheets.spreadsheet-id is set but neither sheets.credentials nor"
                                        + " sheets.access-token is: the relay cannot sign in to Google");
    }
}
