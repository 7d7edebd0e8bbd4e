package titorelay.signature;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import titorelay.storage.OwnerOnly;

/**
 * Where the event security tokens come from: {@code tito.security-tokens} (comma-separated), or, when none is
 * configured, a random token generated once into the data directory. The relay never falls back to a token anyone
 * could guess, and never logs a token.
 */
public final class SecurityTokens {

    public static final String GENERATED_TOKEN_FILE = "tito-security-token";

    private static final Logger LOG = LoggerFactory.getLogger(SecurityTokens.class);

    private SecurityTokens() {
    }

    public static List<String> parse(String commaSeparated) {
        if (commaSeparated == null) {
            return List.of();
        }
        return Arrays.stream(commaSeparated.split(","))
                .map(String::strip)
                .filter(token -> !token.isEmpty())
                .toList();
    }

    /** The configured tokens, or else the generated one from {@code dataDir}, creating it on first use. */
    public static List<String> configuredOrGenerated(String configured, Path dataDir) throws IOException {
        List<String> tokens = parse(configured);
        if (!tokens.isEmpty()) {
            LOG.info("Verifying Tito signatures with {} configured security token(s)", tokens.size());
            return tokens;
        }
        Path file = dataDir.resolve(GENERATED_TOKEN_FILE).toAbsolutePath();
        if (!Files.exists(file)) {
            writeNewToken(file);
        }
        List<String> generated = parse(Files.readString(file, StandardCharsets.UTF_8));
        if (generated.isEmpty()) {
            throw new IOException("The token file " + file + " is empty: delete it to generate a new one,"
                                  + " or set tito.security-tokens");
        }
        LOG.warn("No tito.security-tokens configured: webhooks must be signed with the generated token in {}."
                 + " Paste that token into Tito (Settings > Webhook Endpoints) or, to use your event's own token,"
                 + " set TITO_SECURITY_TOKENS.", file);
        return generated;
    }

    private static void writeNewToken(Path file) throws IOException {
        OwnerOnly.createSecretFile(file, 24);
        LOG.warn("Generated a new Tito security token into {}", file);
    }
}
