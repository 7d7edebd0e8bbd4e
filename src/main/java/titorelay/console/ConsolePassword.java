package titorelay.console;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import titorelay.storage.OwnerOnly;

/**
 * The console's password: {@code relay.console.password} (from the environment, RELAY_CONSOLE_PASSWORD), or else one
 * generated once into {@code data/console-password}, readable by its owner only. Only its hash is kept in memory, and
 * a guess is compared with it in constant time.
 */
public final class ConsolePassword {

    static final String GENERATED_FILE = "console-password";
    static final int MIN_LENGTH = 12;
    private static final Logger LOG = LoggerFactory.getLogger(ConsolePassword.class);

    private final byte[] hash;

    private ConsolePassword(String password) {
        this.hash = sha256(password);
    }

    /** The configured password, or else the generated one in {@code dataDir}, creating it on first use. */
    public static ConsolePassword configuredOrGenerated(String configured, Path dataDir) throws IOException {
        if (configured != null && !configured.isEmpty()) {
            if (configured.length() < MIN_LENGTH) {
                throw new IllegalArgumentException("relay.console.password is shorter than " + MIN_LENGTH
                        + " characters: the console shows attendees' personal data; choose a longer one, or leave it"
                        + " empty to have one generated");
            }
            return new ConsolePassword(configured);
        }
        Path file = dataDir.resolve(GENERATED_FILE).toAbsolutePath();
        if (!Files.exists(file)) {
            writeNewPassword(file);
        }
        String generated = Files.readString(file, StandardCharsets.UTF_8).strip();
        if (generated.isEmpty()) {
            throw new IOException("The console password file " + file + " is empty: delete it to generate a new one,"
                                  + " or set relay.console.password");
        }
        LOG.warn("No relay.console.password configured: log in to the console with the password in {}", file);
        return new ConsolePassword(generated);
    }

    /** Whether {@code guess} is the password; the time taken does not depend on how much of it is right. */
    public boolean matches(String guess) {
        return guess != null && MessageDigest.isEqual(hash, sha256(guess));
    }

    private static void writeNewPassword(Path file) throws IOException {
        OwnerOnly.createSecretFile(file, 18);
        LOG.warn("Generated a console password into {}", file);
    }

    private static byte[] sha256(String text) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
