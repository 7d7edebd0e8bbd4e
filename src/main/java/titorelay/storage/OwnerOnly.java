package titorelay.storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.EnumSet;
import java.util.Set;

/**
 * Files and directories only the relay's own user may read: the data directory holds attendees' personal data
 * (inbox, dead letters, sheets, emails) and the generated security token. Directories are 0700, files 0600. On a
 * file system without POSIX permissions (Windows) these do nothing, and files inherit the directory's access list.
 */
public final class OwnerOnly {

    public static final Set<PosixFilePermission> FILE = PosixFilePermissions.fromString("rw-------");
    public static final Set<PosixFilePermission> DIRECTORY = PosixFilePermissions.fromString("rwx------");

    private static final boolean POSIX = FileSystems.getDefault().supportedFileAttributeViews().contains("posix");

    private OwnerOnly() {
    }

    /** For a create call (FileChannel.open, Files.newByteChannel, Files.createFile): the file is 0600 from its first instant. */
    public static FileAttribute<?>[] fileAttributes() {
        return POSIX ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(FILE)} : new FileAttribute<?>[0];
    }

    /**
     * Creates the directory (and any missing parent) if needed, and makes it 0700 in any case, so that a directory
     * left readable by an older version is closed too.
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
            ByteBuffer buffer = ByteBuffer.wrap(bytes);
            while (buffer.hasRemaining()) {
                channel.write(buffer);
            }
        }
    }

    /** 0700 for a directory, 0600 for a file (never following a link). */
    public static void restrict(Path path) throws IOException {
        if (POSIX && !Files.isSymbolicLink(path)) {
            Files.setPosixFilePermissions(path, Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS) ? DIRECTORY : FILE);
        }
    }
}
