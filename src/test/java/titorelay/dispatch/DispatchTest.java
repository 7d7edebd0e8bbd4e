package titorelay.dispatch;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import org.apache.camel.Channel;
import org.apache.camel.builder.AdviceWith;
import org.apache.camel.builder.NotifyBuilder;
import org.apache.camel.support.processor.UnmarshalProcessor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import titorelay.inbox.InboxEnvelope;
import titorelay.inbox.RecordDeadLetter;
import titorelay.sheets.SpreadsheetSink;
import titorelay.support.RouteSteps;
import titorelay.support.Samples;
import titorelay.support.TestRelay;

import static org.apache.camel.builder.Builder.header;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static titorelay.support.TestRelay.await;
import static titorelay.support.TestRelay.uncheck;

/** Dispatch through the real routes: each name to its own branch, repeats dropped, failures kept as dead letters. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DispatchTest {

    private static final Duration PATIENCE = Duration.ofSeconds(20);

    private final AtomicBoolean sheetFailsVoids = new AtomicBoolean();
    /** The slug of a ticket whose first pass through the spreadsheet fails once its row is queued. */
    private final AtomicReference<String> sheetFailsOnceAfterQueuing = new AtomicReference<>();
    private final List<String> sheetPasses = new CopyOnWriteArrayList<>();
    private TestRelay relay;

    @BeforeAll
    void startRelay() throws Exception {
        relay = TestRelay.start(Files.createTempDirectory("dispatch"));
        // The spreadsheet fails ticket.voided while the switch is on, to see retries and dead letters with the real routes.
        relay.failAtStart("spreadsheet", exchange -> sheetFailsVoids.get()
                && "ticket.voided".equals(exchange.getMessage().getHeader("X-Webhook-Name")),
                "the spreadsheet is down for ticket.voided");
        // After the sheet's own step: by then the sink has taken the tree and dropped the body.
        AdviceWith.adviceWith(relay.camelContext(), "dispatch-once", route -> route.weaveAddFirst()
                .process(exchange -> sinksRouteEntries.add(new SinksRouteEntry(
                        exchange.getMessage().getHeader("TitoDeliveryKey", String.class), exchange.getMessage().getBody(),
                        exchange.getUnitOfWork().getOriginalInMessage().getBody()))));
        AdviceWith.adviceWith(relay.camelContext(), "spreadsheet", route -> route.weaveAddLast()
                .process(exchange -> {
                    String rows = String.valueOf(exchange.getProperty(SpreadsheetSink.ROWS));
                    sheetPasses.add(rows);
                    String failing = sheetFailsOnceAfterQueuing.get();
                    if (failing != null && rows.contains(failing) && sheetFailsOnceAfterQueuing.compareAndSet(failing, null)) {
                        throw new IllegalStateException("the spreadsheet failed after queuing " + failing);
                    }
                }));
    }

    @AfterAll
    void stopRelay() throws Exception {
        relay.close();
    }

    /** Deliveries of this name that went through routes/routing.yaml (and so through dispatch). */
    private double processed(String name) {
        return counter("tito_webhooks_processed_total", "name=\"" + name + "\"");
    }

    /** A body no other test sends, so that it is never a repeat. */
    private static byte[] uniqueTicket(String tag) {
        String ticket = new String(Samples.bytes("ticket-basic.json"), StandardCharsets.UTF_8);
        return ticket.replaceFirst("\"id\": 795", "\"id\": 795, \"test_tag\": \"" + tag + "-" + System.nanoTime() + "\"")
                .getBytes(StandardCharsets.UTF_8);
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "checkin.created", "checkin.deleted",
            "ticket.created", "ticket.completed", "ticket.reassigned", "ticket.updated", "ticket.unsnoozed",
            "ticket.unvoided", "ticket.voided",
            "registration.updated", "registration.finished", "registration.completed", "registration.cancelled",
            "registration.marked_as_paid", "registration.marked_as_unpaid"})
    void everyTitoNameReachesTheSinksOfItsBranch(String name) throws Exception {
        double before = processed(name);
        // By default routes/routing.yaml sends each of Tito's names to the spreadsheet.
        NotifyBuilder reachedTheSheet = new NotifyBuilder(relay.camelContext()).fromCurrentRoute("spreadsheet")
                .filter(header("X-Webhook-Name").isEqualTo(name)).whenCompleted(1).create();

        assertEquals(202, relay.send(name, uniqueTicket(name)).status());

        await(name + " to be processed", PATIENCE, () -> processed(name) == before + 1);
        assertTrue(reachedTheSheet.matches(PATIENCE.toSeconds(), TimeUnit.SECONDS), name + " reached the spreadsheet sink");
        // The file is deleted once the whole exchange is done, a moment after the sink route counted it.
        await("the delivery to leave the inbox once dispatched", PATIENCE, () -> relay.inbox().isEmpty());
    }

    @ParameterizedTest
    @ValueSource(strings = {"ticket-basic.json", "ticket-with-answers.json", "ticket-v3.1.json", "registration-2019.json",
            "registration-v3.1.json", "checkin.json"})
    void everyReferencePayloadIsDispatched(String sample) throws Exception {
        String name = Samples.webhookName(sample);
        double before = processed(name);
        byte[] body = (new String(Samples.bytes(sample), StandardCharsets.UTF_8) + " ".repeat((int) (System.nanoTime() % 97)))
                .getBytes(StandardCharsets.UTF_8); // trailing white space keeps it valid JSON but a new delivery
        assertEquals(202, relay.send(name, body).status());
        await(sample + " dispatched", PATIENCE, () -> processed(name) == before + 1);
    }

    @Test
    void anUnknownNameIsAcceptedAndReportedAsUnrouted() throws Exception {
        assertEquals(202, relay.send("ticket.teleported", uniqueTicket("unknown")).status());
        await("the unrouted counter", PATIENCE,
                () -> counter("tito_webhooks_unrouted_total", "name=\"other\"") == 1);
        await("the unrouted delivery to leave the inbox", PATIENCE, () -> relay.inbox().isEmpty());
        assertEquals(List.of(), relay.deadLetters(), "unrouted is not a failure");
    }

    @Test
    void anExactRepeatIsDroppedButTheSameBodyUnderAnotherNameIsNot() throws Exception {
        byte[] body = uniqueTicket("repeat");
        double updated = processed("ticket.updated");
        double completed = processed("ticket.completed");
        double duplicates = counter("tito_webhooks_duplicates_total");

        assertEquals(202, relay.send("ticket.updated", body).status());
        await("the first delivery", PATIENCE, () -> processed("ticket.updated") == updated + 1);
        assertEquals(202, relay.send("ticket.updated", body).status(), "a repeat is still acknowledged");
        assertEquals(202, relay.send("ticket.completed", body).status());

        await("the other name", PATIENCE, () -> processed("ticket.completed") == completed + 1);
        await("the repeat to be counted", PATIENCE, () -> counter("tito_webhooks_duplicates_total") == duplicates + 1);
        assertEquals(updated + 1, processed("ticket.updated"), "the repeat reached no sink");
    }

    @Test
    void aFailingSinkIsRetriedThenKeptAsADeadLetterThatCanBeReplayed() throws Exception {
        byte[] body = uniqueTicket("dead-letter");
        double voided = processed("ticket.voided");
        sheetFailsVoids.set(true);
        try {
            assertEquals(202, relay.send("ticket.voided", body).status());
            await("a dead letter", PATIENCE, () -> relay.deadLetters().size() == 1);
        } finally {
            sheetFailsVoids.set(false);
        }
        Path deadLetter = relay.deadLetters().get(0);
        InboxEnvelope kept = InboxEnvelope.parse(Files.readAllBytes(deadLetter));
        assertArrayEquals(body, kept.body(), "the original bytes are kept");
        assertEquals("ticket.voided", kept.field(InboxEnvelope.WEBHOOK_NAME));
        assertEquals("IllegalStateException: the spreadsheet is down for ticket.voided", kept.field(RecordDeadLetter.FAILURE));
        assertEquals("direct://spreadsheet", kept.field(RecordDeadLetter.FAILED_SINK));
        assertEquals("7", kept.field(RecordDeadLetter.ATTEMPTS), "1 try + 6 redeliveries");
        assertTrue(counter("tito_webhooks_dead_letters_total") >= 1);
        await("the delivery kept as a dead letter to leave the inbox", PATIENCE, () -> relay.inbox().isEmpty());

        // Replay: the dead letter is still an envelope; moved back into the inbox it is dispatched once.
        Files.move(deadLetter, relay.dataDir().resolve("inbox").resolve(deadLetter.getFileName()));
        await("the replayed delivery", PATIENCE, () -> processed("ticket.voided") >= voided + 1);
        await("the inbox to drain", PATIENCE, () -> relay.inbox().isEmpty());
        assertEquals(List.of(), relay.deadLetters());
        double afterReplay = processed("ticket.voided");
        double duplicates = counter("tito_webhooks_duplicates_total");

        assertEquals(202, relay.send("ticket.voided", body).status());
        // Counted as a repeat: dispatch is done with it, and dropped it before any sink.
        await("the repeat after the replay to be dropped", PATIENCE,
                () -> counter("tito_webhooks_duplicates_total") == duplicates + 1);
        await("the repeat to leave the inbox", PATIENCE, () -> relay.inbox().isEmpty());
        assertEquals(afterReplay, processed("ticket.voided"), "once replayed, it is done");
    }

    @Test
    void aRetryStartsFromTheDeliveryAsTitoSentIt() throws Exception {
        String slug = "retried" + System.nanoTime();
        byte[] body = new String(Samples.bytes("ticket-basic.json"), StandardCharsets.UTF_8)
                .replace("\"1i5nfwf2t24\"", "\"" + slug + "\"").replace("Peter Winter", "Retried Winter")
                .getBytes(StandardCharsets.UTF_8);
        double updated = processed("ticket.updated");
        sheetFailsOnceAfterQueuing.set(slug);

        assertEquals(202, relay.send("ticket.updated", body).status());

        await("the retried delivery", PATIENCE, () -> processed("ticket.updated") == updated + 1);
        assertEquals(null, sheetFailsOnceAfterQueuing.get(), "the first pass failed");
        List<String> passes = sheetPasses.stream().filter(rows -> rows.contains(slug)).toList();
        assertEquals(2, passes.size(), "a failed pass, then a retry");
        // The retry's row changes, made from the delivery as it was before the sinks (its bytes, parsed again), are
        // those of the first pass; the first pass's row was written before it failed, so the file alone cannot tell.
        assertEquals(passes.get(0), passes.get(1));
        assertTrue(passes.get(1).contains("Retried Winter"), passes.get(1));
        Path tickets = relay.dataDir().resolve("sheets/Tickets.csv");
        String row = Files.readAllLines(tickets).stream().filter(line -> line.startsWith(slug + ",")).findFirst()
                .orElseThrow(() -> new AssertionError("no row for " + slug));
        assertTrue(row.startsWith(slug + ",1i5nfwf2t,incomplete,Retried Winter,"), row);
        assertEquals(List.of(), relay.deadLetters());
    }

    @Test
    void dispatchsErrorHandlerCopiesTitosBytesNotTheParsedTree() {
        // Before each step it wraps, the error handler copies the delivery for a retry, and keeps the copy until the
        // step is done: for a delivery waiting on the sheet's batch, up to a second. The parse is in no such step.
        List<RouteSteps.Step> dispatch = RouteSteps.of(relay.camelContext(), "dispatch");
        assertTrue(dispatch.stream().anyMatch(RouteSteps.Step::retried));
        assertEquals(List.of(), dispatch.stream().filter(step -> parses(step.channel())).toList(), "parsed in dispatch");
        List<RouteSteps.Step> parse = RouteSteps.of(relay.camelContext(), "dispatch-once").stream()
                .filter(step -> parses(step.channel())).toList();
        assertEquals(1, parse.size(), "parsed once, before the sinks");
        assertFalse(parse.get(0).retried());
    }

    /** What a delivery's exchange held as it entered dispatch-once: its body, and the body a dead letter would keep. */
    private record SinksRouteEntry(String deliveryKey, Object body, Object deadLetterBody) {
    }

    private final List<SinksRouteEntry> sinksRouteEntries = new CopyOnWriteArrayList<>();

    @Test
    void dispatchCallsTheSinksWithTheEnvelopeItKeepsForADeadLetterNotASecondCopyOfTitosBytes() throws Exception {
        // Dispatch's error handler copies the delivery as the step that calls dispatch-once begins, and keeps the copy
        // while the delivery waits for its sheet's batch: that copy is to hold the envelope's bytes, which the
        // exchange keeps anyway for a dead letter, and not Tito's bytes copied out of them.
        byte[] body = uniqueTicket("envelope");
        assertEquals(202, relay.send("ticket.updated", body).status());
        String key = InboxEnvelope.parse(envelopeOf("ticket.updated", body)).deliveryKey();
        await("the delivery to reach dispatch-once", PATIENCE,
                () -> sinksRouteEntries.stream().anyMatch(entry -> key.equals(entry.deliveryKey())));
        SinksRouteEntry entry = sinksRouteEntries.stream().filter(e -> key.equals(e.deliveryKey())).findFirst().orElseThrow();
        assertTrue(entry.body() == entry.deadLetterBody(), "the very array a dead letter keeps, not another: " + entry);
        InboxEnvelope envelope = InboxEnvelope.parse((byte[]) entry.body());
        assertEquals("ticket.updated", envelope.field(InboxEnvelope.WEBHOOK_NAME));
        assertArrayEquals(body, envelope.body());
        await("the delivery to be processed", PATIENCE, () -> relay.camelContext().getInflightRepository().size() == 0);
    }

    /** An envelope of the name over the bytes, as far as its delivery key goes (the key covers the name and Tito's bytes). */
    private static byte[] envelopeOf(String name, byte[] body) {
        return new InboxEnvelope(java.util.Map.of(InboxEnvelope.WEBHOOK_NAME, name), body).toBytes();
    }

    @Test
    void aDeliveryWaitingOnASinkIsCopiedOnceByDispatchsErrorHandler() {
        // A step the error handler wraps inside another it wraps would keep a second copy of each of the thousands of
        // deliveries that wait for the sheet's batch (the idempotent consumer's steps were such, before).
        List<RouteSteps.Step> dispatch = RouteSteps.of(relay.camelContext(), "dispatch");
        List<RouteSteps.Step> toTheSinks = dispatch.stream()
                .filter(step -> step.channel().getNextProcessor().toString().contains("direct://dispatch-once")).toList();
        assertEquals(1, toTheSinks.size(), "one step of dispatch calls the sinks' route: " + dispatch);
        assertTrue(toTheSinks.get(0).retried(), "a failing sink is retried");
        assertFalse(toTheSinks.get(0).insideRetried(), "the call of the sinks' route is inside another step the error"
                                                       + " handler wraps: " + dispatch);
        for (String route : List.of("dispatch-once", "route-by-name", "spreadsheet", "organizer-email")) {
            assertEquals(List.of(), RouteSteps.of(relay.camelContext(), route).stream().filter(RouteSteps.Step::retried).toList(),
                    "steps of " + route + " (called from dispatch) with a retrying error handler of their own");
        }
    }

    private static boolean parses(Channel channel) {
        return channel.getNextProcessor() instanceof UnmarshalProcessor;
    }

    @Test
    void healthIsUp() throws Exception {
        // Camel's check of the inbox consumer says DOWN until its first poll, a moment after the start.
        await("health to be UP", PATIENCE, () -> uncheck(() -> relay.health().contains("\"status\":\"UP\"")));
    }

    private double counter(String metric, String... fragments) {
        try {
            return relay.counter(metric, fragments);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
