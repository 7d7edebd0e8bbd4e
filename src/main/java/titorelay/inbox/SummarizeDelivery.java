package titorelay.inbox;

import java.util.Map;

import org.apache.camel.Exchange;
import org.apache.camel.Processor;

/**
 * Sets the variables {@code reference} and {@code slug} from the delivery's JSON, for the summary line that
 * routes/routing.yaml logs after the sinks. (The same in Simple, {@code ${body[reference]}}, looks the payload up
 * through Camel's bean language, hashing the whole payload each time: a tenth of dispatch's CPU in a profile.)
 */
public final class SummarizeDelivery implements Processor {

    @Override
    public void process(Exchange exchange) {
        Object body = exchange.getMessage().getBody();
        Map<?, ?> payload = body instanceof Map<?, ?> map ? map : Map.of();
        exchange.setVariable("reference", payload.get("reference"));
        exchange.setVariable("slug", payload.get("slug"));
    }
}
