package titorelay.storage;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.Writer;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.EnumSet;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Files and directories only the relay's own user may read: the data directory holds attendees' personal data
 * (inbox, dead letters, sheets, emails) and the generated security token. Files are created 0600, and group and
 * others lose every permission on what is already there. On a file system without POSIX permissions (Windows)
 * these do nothing, and files inherit the directory's access list.
 */
public final class OwnerOnly {

    private static final Set<PosixFilePermission> FILE = PosixFilePermissions.fromString("rw-------");

    private static final boolean POSIX = FileSystems.getDefault().supportedFileAttributeViews().contains("posix");

    private OwnerOnly() {
    }

    /** For a create call (FileChannel.open, Files.newByteChannel, Files.createFile): the file is 0600 from its first instant. */
    public static FileAttribute<?>[] fileAttributes() {
        return POSIX ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(FILE)} : new FileAttribute<?>[0];
    }

    /**
     * Creates the directory (and any missing parent) if needed, and takes the group's and others' permissions away in
     * any case, so that a directory left readable by an older version is closed too.
     */
    public static Path directory(Path directory) throws IOException {
        Files.createDirectories(directory);
        restrict(directory);
        return directory;
    }

    /** A new file with these bytes, 0600 from the start; fails if anything (a file, a link) is already there. */
    public static void createFile(Path file, byte[] bytes) throws IOException {
        try (SeekableByteChannel channel = Files.newByteChannel(file,
                EnumSet.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE), fileAttributes())) {
            writeAll(channel, bytes);
        }
    }

    /**
     * A new random secret (URL-safe Base64 of {@code randomBytes} bytes) in a new 0600 file, written under a temporary
     * name first so that an interrupted start never leaves half a secret; returns it.
     */
    public static String createSecretFile(Path file, int randomBytes) throws IOException {
        byte[] random = new byte[randomBytes];
        new SecureRandom().nextBytes(random);
        String secret = Base64.getUrlEncoder().withoutPadding().encodeToString(random);
        directory(file.getParent());
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        // A leftover of an interrupted start (or a link put there) is removed, never written through.
        Files.deleteIfExists(tmp);
        createFile(tmp, (secret + "\n").getBytes(StandardCharsets.UTF_8));
        Files.move(tmp, file);
        return secret;
    }

    private static void writeAll(SeekableByteChannel channel, byte[] bytes) throws IOException {
        ByteBuffer buffer = ByteBuffer.wrap(bytes);
        while (buffer.hasRemaining()) {
            channel.write(buffer);
        }
    }

    /** As {@link Files#write(Path, byte[], java.nio.file.OpenOption...)}, but a file it creates is 0600 from the start. */
    public static void write(Path file, byte[] bytes) throws IOException {
        try (SeekableByteChannel channel = Files.newByteChannel(file, EnumSet.of(StandardOpenOption.CREATE,
                StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE), fileAttributes())) {
            writeAll(channel, bytes);
        }
    }

    /** As {@link Files#newBufferedWriter(Path, java.nio.charset.Charset, java.nio.file.OpenOption...)}, creating 0600. */
    public static Writer newWriter(Path file, Charset charset) throws IOException {
        return new BufferedWriter(Channels.newWriter(Files.newByteChannel(file, EnumSet.of(StandardOpenOption.CREATE,
                StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE), fileAttributes()), charset));
    }

    /**
     * Makes the directory and everything in it owner-only: at start, for what an older version (or a copy) left
     * readable by others. Links are neither followed nor changed.
     */
    public static void restrictTree(Path directory) throws IOException {
        try (Stream<Path> paths = Files.walk(directory)) {
            for (Path path : (Iterable<Path>) paths::iterator) {
                restrict(path);
            }
        }
    }

    /**
     * Takes the group's and others' permissions away (never following a link); the owner's stay as they are, so a
     * directory an operator made read-only stays read-only.
     */
    public static void restrict(Path path) throws IOException {
        if (POSIX && !Files.isSymbolicLink(path)) {
            Set<PosixFilePermission> permissions = Files.getPosixFilePermissions(path, LinkOption.NOFOLLOW_LINKS);
            if (permissions.removeIf(permission -> !permission.name().startsWith("OWNER_"))) {
                Files.setPosixFilePermissions(path, permissions);
            }
        }
    }
}
