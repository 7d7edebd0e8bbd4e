package titorelay.storage;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import titorelay.signature.TitoSignature;
import titorelay.support.RawHttp;
import titorelay.support.Samples;
import titorelay.support.TestRelay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static titorelay.support.TestRelay.await;

/** Attendees' personal data and the token, on disk: the relay's user may read them, its group and others may not. */
class DataDirectoryPermissionsTest {

    private static final Duration PATIENCE = Duration.ofSeconds(20);
    private static final Set<PosixFilePermission> OWNER = Set.of(PosixFilePermission.OWNER_READ,
            PosixFilePermission.OWNER_WRITE, PosixFilePermission.OWNER_EXECUTE);

    @TempDir
    Path work;

    @Test
    void everythingTheRelayKeepsIsReadableByItsOwnerOnly() throws Exception {
        Path data = work.resolve("data");
        // What an older version left readable by all: the directories and a dead letter.
        Path oldDeadLetter = data.resolve("dead-letters").resolve("20261101T000000.000Z-000000001-ticket.updated.webhook");
        Files.createDirectories(oldDeadLetter.getParent());
        Files.writeString(oldDeadLetter, "X-Webhook-Name: ticket.updated\n\n{}");
        chmod(data, "rwxr-xr-x");
        chmod(oldDeadLetter.getParent(), "rwxr-xr-x");
        chmod(oldDeadLetter, "rw-r--r--");

        // The generated token, the journal, inbox files (dispatch paused), then the CSV sheet and an .eml file.
        try (TestRelay relay = TestRelay.start(data, Map.of("tito.security-tokens", "",
                "relay.dispatch.auto-start", "false"))) {
            String token = Files.readString(data.resolve("tito-security-token")).strip();
            assertEquals(202, send(relay.port(), token, "ticket.updated", Samples.bytes("ticket-basic.json")));
            assertEquals(202, send(relay.port(), token, "registration.cancelled", Samples.bytes("registration-v3.1.json")));
            assertEquals(2, relay.inbox().size());
            assertOwnerOnly(data);

            relay.camelContext().getRouteController().startRoute("dispatch");
            await("the row and the email", PATIENCE, () -> Files.exists(data.resolve("sheets/Tickets.csv"))
                    && Files.exists(data.resolve("sheets/Registrations.csv")) && count(data.resolve("outbox"), ".eml") == 1);
            assertOwnerOnly(data);
        }

        // A dead letter: the SMTP server is down, and no retry.
        try (TestRelay relay = TestRelay.start(data, Map.of("tito.security-tokens", "",
                "mail.smtp.host", "127.0.0.1", "mail.smtp.port", String.valueOf(TestRelay.freePort()),
                "mail.smtp.starttls", "false", "relay.dispatch.max-redeliveries", "0"))) {
            String token = Files.readString(data.resolve("tito-security-token")).strip();
            assertEquals(202, send(relay.port(), token, "ticket.voided", Samples.bytes("ticket-basic.json")));
            await("the dead letter", PATIENCE, () -> relay.deadLetters().size() == 2);
            await("its journal segment to be retired", PATIENCE, () -> relay.inbox().isEmpty());
            assertOwnerOnly(data);
            assertTrue(count(data.resolve("inbox-journal"), ".journal") >= 1, "a journal segment was checked");
            assertTrue(count(data.resolve("dedupe"), ".keys") >= 2, "the dedupe records were checked");
        }
    }

    /** Every directory and file under data/, data/ included, with group or others permissions. */
    private static void assertOwnerOnly(Path data) throws IOException {
        Map<String, String> open = new TreeMap<>();
        try (Stream<Path> paths = Files.walk(data)) {
            for (Path path : paths.toList()) {
                Set<PosixFilePermission> permissions;
                try {
                    permissions = Files.getPosixFilePermissions(path, LinkOption.NOFOLLOW_LINKS);
                } catch (java.nio.file.NoSuchFileException renamedMeanwhile) {
                    // A hidden file a write was still in (renamed into place since the walk listed it): its
                    // permissions are those of the file it became, which the walk lists too.
                    continue;
                }
                if (!OWNER.containsAll(permissions)) {
                    open.put(data.relativize(path).toString(), PosixFilePermissions.toString(permissions));
                }
            }
        }
        assertEquals(Map.of(), open, "readable or writable by group or others");
    }

    private static int send(int port, String token, String name, byte[] body) throws IOException {
        return RawHttp.request("POST", "/webhooks/tito").header("Content-Type", "application/json")
                .header("X-Webhook-Name", name).header("Tito-Signature", TitoSignature.sign(token, body))
                .body(body).send(port).status();
    }

    private static long count(Path directory, String suffix) {
        if (!Files.isDirectory(directory)) {
            return 0;
        }
        try (Stream<Path> files = Files.list(directory)) {
            // Not the hidden files a write is still in (renamed into place once complete and made the owner's only).
            return files.map(file -> file.getFileName().toString())
                    .filter(name -> !name.startsWith(".") && name.endsWith(suffix)).count();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void chmod(Path path, String permissions) throws IOException {
        Files.setPosixFilePermissions(path, PosixFilePermissions.fromString(permissions));
    }
}
