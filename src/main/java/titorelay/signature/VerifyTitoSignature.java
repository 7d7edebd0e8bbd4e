package titorelay.signature;

import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.Processor;
import titorelay.ingress.ReadWebhookRequest;
import titorelay.ingress.RejectedWebhook;
import titorelay.Headers;

/** Lets a request through only if its Tito-Signature was made with one of the configured tokens (else 401). */
public class VerifyTitoSignature implements Processor {

    private final TitoSignature signature;

    public VerifyTitoSignature(TitoSignature signature) {
        this.signature = signature;
    }

    @Override
    public void process(Exchange exchange) {
        Message message = exchange.getMessage();
        String header = message.getHeader(Headers.SIGNATURE, String.class);
        message.removeHeader(Headers.SIGNATURE);
        switch (signature.verify(message.getBody(byte[].class), header)) {
            case VALID -> {
            }
            case MISSING -> throw new RejectedWebhook(401, "signature-missing", "The Tito-Signature header is missing");
            case MISMATCH -> throw new RejectedWebhook(401, "signature-mismatch",
                    "The Tito-Signature header matches none of the configured security tokens");
        }
    }
}
