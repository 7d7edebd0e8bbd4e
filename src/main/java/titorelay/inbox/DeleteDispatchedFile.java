package titorelay.inbox;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.attribute.BasicFileAttributes;

import org.apache.camel.Exchange;
import org.apache.camel.component.file.GenericFile;
import org.apache.camel.component.file.GenericFileEndpoint;
import org.apache.camel.component.file.GenericFileOperations;
import org.apache.camel.component.file.strategy.GenericFileDeleteProcessStrategy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How dispatch takes a delivery's file out of the inbox once it is done or kept as a dead letter: Camel's delete,
 * but only of the file that was read. A dead letter replayed the moment it is written goes back into the inbox under
 * the same name while its failed delivery may still be finishing; deleting by name would then delete the replay,
 * which was never dispatched. The replay is another file (another file key), so it is left for dispatch.
 */
public final class DeleteDispatchedFile extends GenericFileDeleteProcessStrategy<File> {

    private static final Logger LOG = LoggerFactory.getLogger(DeleteDispatchedFile.class);
    private static final String FILE_KEY = "TitoInboxFileKey";

    @Override
    public boolean begin(GenericFileOperations<File> operations, GenericFileEndpoint<File> endpoint, Exchange exchange,
            GenericFile<File> file) throws Exception {
        exchange.setProperty(FILE_KEY, fileKey(file));
        return super.begin(operations, endpoint, exchange, file);
    }

    @Override
    public void commit(GenericFileOperations<File> operations, GenericFileEndpoint<File> endpoint, Exchange exchange,
            GenericFile<File> file) throws Exception {
        Object read = exchange.getProperty(FILE_KEY);
        Object now = fileKey(file);
        if (read != null && now != null && !read.equals(now)) {
            LOG.info("{} was put back into the inbox (a replay) while it was dispatched; it is dispatched again",
                    file.getFileName());
            return;
        }
        super.commit(operations, endpoint, exchange, file);
    }

    /** What identifies the file itself (device and inode), not its name; null if it is gone. */
    private static Object fileKey(GenericFile<File> file) {
        try {
            return Files.readAttributes(file.getFile().toPath(), BasicFileAttributes.class).fileKey();
        } catch (IOException gone) {
            return null;
        }
    }
}
