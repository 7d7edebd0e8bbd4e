package titorelay.tools;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import titorelay.signature.SecurityTokens;
import titorelay.signature.TitoSignature;
import titorelay.Headers;

/**
 * Sends a JSON file to a running relay, signed the way Tito signs it, to see the whole flow work:
 *
 * <pre>
 * java -cp target/tito-relay.jar titorelay.tools.SendSample samples/ticket-basic.json [webhook.name] [url]
 * </pre>
 *
 * The token is the first of TITO_SECURITY_TOKENS, or else the one the relay generated into data/. The name defaults
 * to one that fits the file (ticket.updated, registration.finished, checkin.created).
 */
public final class SendSample {

    private SendSample() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 1 || args.length > 3) {
            System.err.println("usage: SendSample FILE.json [WEBHOOK_NAME] [URL]");
            System.exit(2);
        }
        Path file = Path.of(args[0]);
        String name = args.length > 1 ? args[1] : nameFor(file.getFileName().toString());
        String url = args.length > 2 ? args[2] : "http://localhost:8080/webhooks/tito";
        byte[] body = Files.readAllBytes(file);

        HttpResponse<String> response = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build().send(
                HttpRequest.newBuilder(URI.create(url))
                        .header("Content-Type", "application/json")
                        .header(Headers.WEBHOOK_NAME, name)
                        .header(Headers.SIGNATURE, TitoSignature.sign(token(), body))
                        .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        System.out.println("POST " + url + " " + name + " (" + body.length + " bytes) -> "
                           + response.statusCode() + " " + response.body());
        System.exit(response.statusCode() / 100 == 2 ? 0 : 1);
    }

    private static String token() throws Exception {
        List<String> configured = SecurityTokens.parse(System.getenv("TITO_SECURITY_TOKENS"));
        if (!configured.isEmpty()) {
            return configured.get(0);
        }
        Path generated = Path.of(System.getProperty("relay.data-dir", "data"), SecurityTokens.GENERATED_TOKEN_FILE);
        if (!Files.exists(generated)) {
            throw new IllegalStateException("No token: set TITO_SECURITY_TOKENS, or start the relay once so that it"
                                            + " generates " + generated);
        }
        return SecurityTokens.parse(Files.readString(generated)).get(0);
    }

    /** A webhook name that fits a sample file of samples/. */
    public static String nameFor(String fileName) {
        if (fileName.startsWith("registration")) {
            return "registration.finished";
        }
        if (fileName.startsWith("checkin")) {
            return "checkin.created";
        }
        return "ticket.updated";
    }
}
