package titorelay.storage;

import java.nio.file.Path;

import org.apache.camel.Exchange;
import org.apache.camel.Processor;

/**
 * After Camel's file producer (forceWrites, tempPrefix): the folder of the file it just wrote, fsync'd. Camel forces
 * the file's bytes, then renames it from its temporary name, but does not sync the folder, so after a power cut the
 * file could be back under its temporary name, where nothing looks for it, though the relay counted it kept.
 * Nothing to do when the exchange wrote no file (an endpoint of another kind).
 */
public final class SyncWrittenFolder implements Processor {

    @Override
    public void process(Exchange exchange) throws Exception {
        String written = exchange.getMessage().getHeader(Exchange.FILE_NAME_PRODUCED, String.class);
        if (written != null) {
            Fsync.directory(Path.of(written).toAbsolutePath().getParent());
        }
    }
}
