package titorelay.storage;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/** What a power cut must not undo, beyond what a crash of the process alone cannot. */
public final class Fsync {

    private Fsync() {
    }

    /** A directory's entries (a file created or renamed in it) on the disk, not only in the kernel's cache. */
    public static void directory(Path directory) throws IOException {
        try (FileChannel channel = FileChannel.open(directory, StandardOpenOption.READ)) {
            channel.force(true);
        }
    }
}
