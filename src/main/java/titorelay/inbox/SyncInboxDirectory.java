package titorelay.inbox;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

import org.apache.camel.Exchange;
import org.apache.camel.Processor;

/**
 * After the file inbox wrote a delivery: Camel's {@code forceWrites} fsyncs the file's bytes, but the rename that
 * makes it appear in the inbox lives in the directory, which needs its own fsync to survive a power cut. Does nothing
 * when the inbox is not a local file endpoint.
 */
public class SyncInboxDirectory implements Processor {

    @Override
    public void process(Exchange exchange) throws IOException {
        String written = exchange.getMessage().getHeader(Exchange.FILE_NAME_PRODUCED, String.class);
        if (written == null) {
            return;
        }
        Path directory = Path.of(written).toAbsolutePath().getParent();
        try (FileChannel channel = FileChannel.open(directory, StandardOpenOption.READ)) {
            channel.force(true);
        }
    }
}
