package titorelay.signature;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/** The generated token is written only into a file the relay created readable by its owner alone. */
class GeneratedTokenTest {

    @TempDir
    Path work;

    @Test
    void theTokenIsNeverWrittenThroughWhatLiesAtTheTemporaryFilesPlace() throws Exception {
        Path dataDir = Files.createDirectories(work.resolve("data"));
        Path readableByOthers = Files.createFile(work.resolve("readable-by-others.txt"),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-r--r--")));
        Files.createSymbolicLink(dataDir.resolve(SecurityTokens.GENERATED_TOKEN_FILE + ".tmp"), readableByOthers);

        List<String> tokens = SecurityTokens.configuredOrGenerated("", dataDir);

        assertEquals("", Files.readString(readableByOthers), "the token went into the file the relay created");
        Path tokenFile = dataDir.resolve(SecurityTokens.GENERATED_TOKEN_FILE);
        assertFalse(Files.isSymbolicLink(tokenFile));
        assertEquals(tokens.get(0) + "\n", Files.readString(tokenFile, StandardCharsets.UTF_8));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(tokenFile)));
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dataDir)));
        assertFalse(Files.exists(dataDir.resolve(SecurityTokens.GENERATED_TOKEN_FILE + ".tmp")));
    }
}
