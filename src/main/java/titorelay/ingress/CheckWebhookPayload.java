package titorelay.ingress;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Pattern;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
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
            .build();

    /**
     * Per request thread, reused: the names seen in each open object, by nesting depth, and room to decode the body
     * into while checking its UTF-8. (Jackson's own duplicate check made a set per object, and decoding made a copy of
     * the whole body: together most of what ingress allocated.)
     */
    /** The keys seen so far in the object open at each depth, reused from request to request on each thread. */
    private static final ThreadLocal<List<KeySet>> NAMES_BY_DEPTH = ThreadLocal.withInitial(ArrayList::new);
    private static final ThreadLocal<CharBuffer> DECODED = ThreadLocal.withInitial(() -> CharBuffer.allocate(8192));
    private static final ThreadLocal<CharsetDecoder> UTF8 = ThreadLocal.withInitial(() -> StandardCharsets.UTF_8
            .newDecoder().onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT));

    @Override
    public void process(Exchange exchange) {
        Message message = exchange.getMessage();
        String name = message.getHeader(Headers.WEBHOOK_NAME, String.class);
        if (name == null || name.isBlank()) {
            throw new RejectedWebhook(400, "name-missing", "The X-Webhook-Name header is missing");
        }
        // Tito's own names need no match against the pattern (it was 3 % of a request thread's time).
        if (!TitoWebhookNames.isTitos(name) && !WEBHOOK_NAME.matcher(name).matches()) {
            throw new RejectedWebhook(400, "name-invalid", "The X-Webhook-Name header is not a webhook name");
        }
        message.setHeader(Headers.METRIC_NAME, TitoWebhookNames.metricName(name));
        checkJsonObject(message.getBody(byte[].class));
    }

    static void checkJsonObject(byte[] body) {
        if (body.length == 0) {
            throw new RejectedWebhook(400, "body-empty", "The body is empty; a JSON object is expected");
        }
        if (!isUtf8(body)) {
            throw new RejectedWebhook(400, "body-not-utf8", "The body is not valid UTF-8");
        }
        try (JsonParser parser = JSON.createParser(body)) {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                throw new RejectedWebhook(400, "body-not-object", "The body is not a JSON object");
            }
            List<KeySet> namesByDepth = NAMES_BY_DEPTH.get();
            names(namesByDepth, 1).clear();
            JsonToken token;
            while ((token = parser.nextToken()) != null) {
                int depth = parser.getParsingContext().getNestingDepth();
                if (token == JsonToken.START_OBJECT) {
                    names(namesByDepth, depth).clear();
                } else if (token == JsonToken.FIELD_NAME) {
                    if (!names(namesByDepth, depth).add(parser.currentName())) {
                        // Parsers disagree on which of the two values counts: refused, as no JSON Tito sends has one.
                        throw new RejectedWebhook(400, "body-not-json", "The body has a duplicated key");
                    }
                } else if (token == JsonToken.END_OBJECT && parser.getParsingContext().inRoot()) {
                    break; // the body's object is complete
                }
            }
            if (parser.nextToken() != null) {
                throw new RejectedWebhook(400, "body-not-json", "The body has data after its JSON object");
            }
        } catch (IOException e) {
            throw new RejectedWebhook(400, "body-not-json", "The body is not well-formed JSON");
        }
    }

    private static KeySet names(List<KeySet> namesByDepth, int depth) {
        while (namesByDepth.size() <= depth) {
            namesByDepth.add(new KeySet());
        }
        return namesByDepth.get(depth);
    }

    /** Whether the bytes are well-formed UTF-8, decoded piece by piece into a small reused buffer. */
    private static boolean isUtf8(byte[] body) {
        CharsetDecoder decoder = UTF8.get().reset();
        ByteBuffer in = ByteBuffer.wrap(body);
        CharBuffer out = DECODED.get();
        CoderResult result;
        do {
            out.clear();
            result = decoder.decode(in, out, true);
            if (result.isError()) {
                return false;
            }
        } while (result.isOverflow());
        out.clear();
        return !decoder.flush(out).isError();
    }

    /**
     * The keys of one JSON object, for finding a duplicate: an open-addressing table of the names themselves, kept
     * and cleared for the next object, so that checking a ticket's 100 keys costs neither a scan of the keys before
     * each one nor an allocation per key (a set's nodes were a tenth of ingress's allocations).
     */
    private static final class KeySet {
        private static final int MAX_KEPT_SLOTS = 1024;
        private String[] slots = new String[64];
        private int size;

        /** False if the name was there already. */
        boolean add(String name) {
            if (2 * (size + 1) > slots.length) {
                grow();
            }
            int mask = slots.length - 1;
            for (int i = spread(name.hashCode()) & mask; ; i = (i + 1) & mask) {
                String there = slots[i];
                if (there == null) {
                    slots[i] = name;
                    size++;
                    return true;
                }
                if (there.equals(name)) {
                    return false;
                }
            }
        }

        void clear() {
            if (slots.length > MAX_KEPT_SLOTS) {
                slots = new String[64]; // an object with thousands of keys: its table is not kept for the next body
            } else if (size > 0) {
                Arrays.fill(slots, null);
            }
            size = 0;
        }

        private void grow() {
            String[] old = slots;
            slots = new String[old.length * 2];
            size = 0;
            for (String name : old) {
                if (name != null) {
                    add(name);
                }
            }
        }

        private static int spread(int hash) {
            return hash ^ (hash >>> 16);
        }
    }
}
