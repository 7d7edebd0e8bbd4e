package titorelay.inbox;

import java.io.IOException;

import org.apache.camel.AsyncCallback;
import org.apache.camel.Exchange;
import org.apache.camel.support.AsyncProcessorSupport;

/**
 * The ingress step storeInInbox: hands the sealed envelope in the body to the inbox journal's next commit, and lets
 * the route go on once it is fsync'd, or fail (503) if it could not be. No thread waits for the commit meanwhile.
 */
final class StoreInInbox extends AsyncProcessorSupport {

    private final InboxJournal journal;

    StoreInInbox(InboxJournal journal) {
        this.journal = journal;
    }

    @Override
    public boolean process(Exchange exchange, AsyncCallback callback) {
        try {
            journal.append(exchange.getMessage().getHeader(Exchange.FILE_NAME, String.class),
                    exchange.getMessage().getBody(byte[].class), failure -> {
                        if (failure != null) { // one exception per exchange: the batch's requests share the failure
                            exchange.setException(new IOException(failure.getMessage(), failure));
                        }
                        callback.done(false);
                    });
            return false;
        } catch (Exception refused) {
            exchange.setException(refused);
            callback.done(true);
            return true;
        }
    }
}
