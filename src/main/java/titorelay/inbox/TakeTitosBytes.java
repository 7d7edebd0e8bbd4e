package titorelay.inbox;

import org.apache.camel.Exchange;
import org.apache.camel.Processor;

/**
 * The body becomes Tito's original bytes, taken out of the inbox envelope {@link OpenInboxEnvelope} left as the body.
 * A step of dispatch-once (routes/dispatch.yaml), outside dispatch's error handler: a retry starts again from the
 * envelope, and takes them again.
 */
public class TakeTitosBytes implements Processor {

    @Override
    public void process(Exchange exchange) throws Exception {
        exchange.getMessage().setBody(InboxEnvelope.titosBytes(exchange.getMessage().getMandatoryBody(byte[].class)));
    }
}
