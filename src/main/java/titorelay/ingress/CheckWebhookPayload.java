package titorelay.ingress;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.regex.Pattern;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.Processor;
import titorelay.Headers;

/**
 * After the signature is verified: the webhook must name itself, and its body must be one well-formed JSON object in
 * UTF-8 (else 400). Nothing is parsed into objects here; the body is only scanned, and stays the exact bytes received.
 */
public class CheckWebhookPayload implements Processor {

    /** Tito's names look like {@code registration.marked_as_paid}; anything else could not be a file name safely. */
    private static final Pattern WEBHOOK_NAME = Pattern.compile("[a-z0-9_]{1,40}(\\.[a-z0-9_]{1,40}){1,3}");

    /** Tito's payloads nest four levels deep; far deeper input is an attack on the parser, not a webhook. */
    static final int MAX_NESTING_DEPTH = 32;

    private static final JsonFactory JSON = JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(MAX_NESTING_DEPTH).build())
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build();

    @Override
    public void process(Exchange exchange) {
        Message message = exchange.getMessage();
        String name = message.getHeader(Headers.WEBHOOK_NAME, String.class);
        if (name == null || name.isBlank()) {
            throw new RejectedWebhook(400, "name-missing", "The X-Webhook-Name header is missing");
        }
        if (!WEBHOOK_NAME.matcher(name).matches()) {
            throw new RejectedWebhook(400, "name-invalid", "The X-Webhook-Name header is not a webhook name");
        }
        message.setHeader(Headers.METRIC_NAME, TitoWebhookNames.metricName(name));
        checkJsonObject(message.getBody(byte[].class));
    }

    static void checkJsonObject(byte[] body) {
        if (body.length == 0) {
            throw new RejectedWebhook(400, "body-empty", "The body is empty; a JSON object is expected");
        }
        try {
            StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(body));
        } catch (CharacterCodingException e) {
            throw new RejectedWebhook(400, "body-not-utf8", "The body is not valid UTF-8");
        }
        try (JsonParser parser = JSON.createParser(body)) {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                throw new RejectedWebhook(400, "body-not-object", "The body is not a JSON object");
            }
            parser.skipChildren();
            if (parser.nextToken() != null) {
                throw new RejectedWebhook(400, "body-not-json", "The body has data after its JSON object");
            }
        } catch (IOException e) {
            throw new RejectedWebhook(400, "body-not-json", "The body is not well-formed JSON");
        }
    }
}
