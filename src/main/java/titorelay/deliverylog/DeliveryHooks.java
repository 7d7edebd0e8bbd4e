package titorelay.deliverylog;

import java.nio.file.Path;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

import com.fasterxml.jackson.databind.JsonNode;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.Processor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import titorelay.Headers;
import titorelay.inbox.InboxEnvelope;
import titorelay.inbox.RecordDeadLetter;
import titorelay.sheets.SheetColumns.RowChange;
import titorelay.sheets.SpreadsheetSink;

/**
 * The steps of routes/ that tell the delivery log what happened, by the names the routes call them. Each only queues
 * a small event (what the exchange already holds) and returns: no store call, no wait, and no failure, whatever
 * the log's state. Exchanges that are not a delivery from the inbox (records of Tito's Admin API) have no inbox name
 * and are not logged.
 */
final class DeliveryHooks {

    private static final Logger LOG = LoggerFactory.getLogger(DeliveryHooks.class);

    static final String SPREADSHEET = "spreadsheet";
    static final String ORGANIZER_EMAIL = "organizer-email";

    private DeliveryHooks() {
    }

    /** Each step's name in routes/, and what it queues. */
    static Map<String, Processor> steps(Consumer<LogEvent> log) {
        Map<String, Processor> steps = new HashMap<>();
        steps.put("deliveryLogDeliveryTaken", hook(log, (id, exchange) -> taken(id, exchange.getMessage())));
        steps.put("deliveryLogPayloadParsed", hook(log, (id, exchange) -> exchange.getMessage().getBody()
                instanceof JsonNode payload ? new LogEvent.Facts(id, PayloadFacts.of(payload)) : null));
        steps.put("deliveryLogRepeatDropped", hook(log, (id, exchange) -> new LogEvent.Repeat(id,
                exchange.getMessage().getHeader(Headers.DELIVERY_KEY, String.class), Instant.now())));
        steps.put("deliveryLogUnrouted", hook(log, (id, exchange) ->
                new LogEvent.OutcomeChanged(id, Outcome.UNROUTED, null, Instant.now())));
        steps.put("deliveryLogDeliveryDone", hook(log, (id, exchange) ->
                new LogEvent.OutcomeChanged(id, Outcome.DONE, Outcome.PENDING, Instant.now())));
        steps.put("deliveryLogReplay", hook(log, (id, exchange) ->
                new LogEvent.OutcomeChanged(id, Outcome.PENDING, Outcome.FAILED, Instant.now())));
        steps.put("deliveryLogDeadLetter", hook(log, DeliveryHooks::deadLetter));
        steps.put("deliveryLogFailedTry", hook(log, DeliveryHooks::failedTry));
        steps.put("deliveryLogRowWritten", hook(log, DeliveryHooks::rowWritten));
        steps.put("deliveryLogEmailSent", hook(log, (id, exchange) ->
                new LogEvent.SinkDid(id, new SinkResult(ORGANIZER_EMAIL, "email sent", Instant.now()), null)));
        steps.put("deliveryLogEmailNotSentAgain", hook(log, (id, exchange) -> new LogEvent.SinkDid(id,
                new SinkResult(ORGANIZER_EMAIL, "skipped: the organizers were emailed about it before", Instant.now()),
                null)));
        return Map.copyOf(steps);
    }

    /** The same steps doing nothing: the log is turned off. */
    static Map<String, Processor> noSteps() {
        Map<String, Processor> none = new HashMap<>();
        steps(event -> { }).keySet().forEach(name -> none.put(name, exchange -> { }));
        return none;
    }

    private interface EventOf {
        /** The event, or null when there is nothing to tell. */
        LogEvent of(String id, Exchange exchange);
    }

    private static Processor hook(Consumer<LogEvent> log, EventOf event) {
        return exchange -> {
            try {
                String id = exchange.getMessage().getHeader(Exchange.FILE_NAME, String.class);
                LogEvent happened = id == null ? null : event.of(id, exchange);
                if (happened != null) {
                    log.accept(happened);
                }
            } catch (RuntimeException e) {
                // The log is not part of the delivery: it goes on.
                LOG.debug("Not logged in the delivery log", e);
            }
        };
    }

    private static LogEvent taken(String id, Message message) {
        return new LogEvent.Taken(id, message.getHeader(Headers.WEBHOOK_NAME, String.class),
                message.getHeader(Headers.RECEIVED_AT, String.class),
                message.getHeader(Headers.DELIVERY_KEY, String.class),
                message.getBody() instanceof byte[] envelope ? titosBytes(envelope) : null, Instant.now());
    }

    /** Tito's bytes in the inbox envelope dispatch holds as the body until its sinks (OpenInboxEnvelope). */
    private static byte[] titosBytes(byte[] envelope) {
        try {
            return InboxEnvelope.titosBytes(envelope);
        } catch (IllegalArgumentException notAnEnvelope) {
            return null;
        }
    }

    private static LogEvent deadLetter(String id, Exchange exchange) {
        Message message = exchange.getMessage();
        String written = message.getHeader(Exchange.FILE_NAME_PRODUCED, String.class);
        return new LogEvent.DeadLetter(id, message.getBody(byte[].class),
                written == null ? id : Path.of(written).getFileName().toString(), Instant.now());
    }

    /** Before a redelivery: the try that failed (Camel keeps its exception aside meanwhile). */
    private static LogEvent failedTry(String id, Exchange exchange) {
        Throwable cause = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class);
        int failedTry = exchange.getMessage().getHeader(Exchange.REDELIVERY_COUNTER, 0, Integer.class);
        return new LogEvent.FailedTry(id, new Attempt(failedTry, Instant.now(),
                RecordDeadLetter.failedSink(exchange, cause), RecordDeadLetter.reason(cause)));
    }

    @SuppressWarnings("unchecked")
    private static LogEvent rowWritten(String id, Exchange exchange) {
        List<RowChange> rows = exchange.getProperty(SpreadsheetSink.ROWS, List.class);
        String did = rows == null || rows.isEmpty() ? "no row to write" : rows.size() == 1 ? "row written"
                : rows.size() + " rows written";
        return new LogEvent.SinkDid(id, new SinkResult(SPREADSHEET, did, Instant.now()), rows);
    }
}
