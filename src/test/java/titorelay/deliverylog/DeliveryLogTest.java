package titorelay.deliverylog;

import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import titorelay.support.RouteSteps;
import titorelay.support.Samples;
import titorelay.support.TestRelay;
import titorelay.tools.DeadLetters;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static titorelay.support.TestRelay.await;

/** The delivery log, as the console reads it, of deliveries sent to the real relay. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DeliveryLogTest {

    static final Duration PATIENCE = Duration.ofSeconds(20);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final AtomicBoolean sheetFails = new AtomicBoolean();
    private TestRelay relay;
    private DeliveryLogView log;

    @BeforeAll
    void startRelay() throws Exception {
        relay = TestRelay.start(Files.createTempDirectory("delivery-log"),
                Map.of("relay.dispatch.max-redeliveries", "2"));
        relay.failAtStart("spreadsheet", exchange -> sheetFails.get(), "the sheet is down");
        log = relay.camelContext().getRegistry().lookupByNameAndType("deliveryHistory", DeliveryLogView.class);
    }

    @AfterAll
    void stopRelay() throws Exception {
        relay.close();
    }

    /** A sample with a reference no other delivery of this class has (its other fields as published). */
    static byte[] withReference(String sample, String reference) throws Exception {
        ObjectNode payload = (ObjectNode) JSON.readTree(Samples.bytes(sample));
        payload.put("reference", reference);
        return JSON.writeValueAsBytes(payload);
    }

    /** ticket-basic.json, with this slug and reference: a ticket of its own in the sheet. */
    static byte[] withSlug(String slugAndReference) throws Exception {
        ObjectNode payload = (ObjectNode) JSON.readTree(Samples.bytes("ticket-basic.json"));
        payload.put("slug", slugAndReference);
        payload.put("reference", slugAndReference);
        return JSON.writeValueAsBytes(payload);
    }

    /** The one line whose text matches, once its outcome is reached. */
    static LoggedDelivery awaitLine(DeliveryLogView log, String text, Outcome outcome) throws InterruptedException {
        await("a " + outcome + " line for " + text, PATIENCE, () ->
                log.newestFirst(new LogFilter(null, outcome, text), 0, 10).size() == 1);
        return log.newestFirst(new LogFilter(null, outcome, text), 0, 10).get(0);
    }

    @ParameterizedTest
    @ValueSource(strings = {"ticket-basic.json", "ticket-with-answers.json", "ticket-v3.1.json",
            "registration-2019.json", "registration-v3.1.json", "checkin.json"})
    void aDeliveryIsLoggedDoneWithItsPayloadsFactsAndItsRow(String sample) throws Exception {
        String name = Samples.webhookName(sample);
        String reference = "REF-" + sample.replace(".json", "").toUpperCase();
        byte[] body = withReference(sample, reference);
        JsonNode payload = JSON.readTree(body);
        assertEquals(202, relay.send(name, body).status());

        LoggedDelivery line = awaitLine(log, reference, Outcome.DONE);
        assertEquals(name, line.webhookName());
        assertEquals(reference, line.reference());
        assertEquals(payload.path("name").asText(), line.name());
        assertEquals(payload.path("email").asText(), line.email());
        assertEquals(payload.path("slug").asText(), line.slug());
        assertEquals(1, line.attempts());
        assertNull(line.failure());
        assertEquals(List.of("spreadsheet"), line.sinks().stream().map(SinkResult::sink).toList());
        assertTrue(line.sinks().get(0).did().endsWith("written"), line.sinks().toString());
        assertFalse(line.sinks().get(0).at().isBefore(line.receivedAt()), "written after it was received");

        DeliveryDetails details = log.details(line.id()).orElseThrow();
        assertArrayEquals(body, details.body(), "the body as Tito sent it");
        assertEquals(name, details.envelope().get("X-Webhook-Name"));
        assertEquals(List.of(), details.attempts());
        // The row as the sheet shows it: every cell the log names is the sheet's cell in that column.
        Map<String, String> sheetRow = sheetRow(payload.path("_type").asText().equals("registration")
                ? "Registrations" : "Tickets", payload.path("slug").asText());
        assertFalse(details.row().isEmpty(), "the row it wrote");
        assertEquals(payload.path("slug").asText(), details.row().get("Slug"));
        details.row().entrySet().stream().filter(cell -> !cell.getKey().contains(": "))
                .forEach(cell -> assertEquals(sheetRow.get(cell.getKey()), cell.getValue(), cell.getKey()));
    }

    private Map<String, String> sheetRow(String tab, String slug) throws Exception {
        try (Reader reader = Files.newBufferedReader(relay.dataDir().resolve("sheets/" + tab + ".csv"));
                CSVParser csv = CSVFormat.DEFAULT.builder().setHeader().build().parse(reader)) {
            for (CSVRecord record : csv) {
                if (slug.equals(record.get("Slug"))) {
                    Map<String, String> cells = new HashMap<>(record.toMap());
                    cells.replaceAll((column, value) -> value.startsWith("'") ? value.substring(1) : value);
                    return cells;
                }
            }
        }
        throw new AssertionError("no row of " + slug + " in " + tab);
    }

    /**
     * Dispatch's dead letter channel copies the whole exchange before each step it wraps (to retry from there); the
     * log's steps in dispatch, which never fail, are not wrapped, while dispatch's own steps stay wrapped.
     */
    @Test
    void theLogsStepsInDispatchRunOutsideItsDeadLetterChannel() throws Exception {
        // The steps as routes/dispatch.yaml names them, counted from its text (those of its first route).
        String dispatchRoute = Files.readString(Path.of("routes/dispatch.yaml")).split("- route:")[1];
        int stepsInFile = dispatchRoute.split("ref: deliveryLog", -1).length - 1;
        List<RouteSteps.Step> steps = RouteSteps.of(relay.camelContext(), "dispatch");
        List<RouteSteps.Step> logSteps = steps.stream()
                .filter(step -> step.name() != null && step.name().startsWith("deliveryLog")).toList();
        assertTrue(stepsInFile >= 2, "dispatch calls the log's steps: " + stepsInFile);
        assertEquals(stepsInFile, logSteps.size(), "each step of the file found running");
        assertEquals(List.of(), logSteps.stream().filter(RouteSteps.Step::wrappedInErrorHandler)
                .map(RouteSteps.Step::name).toList(), "the log's steps wrapped");
        assertTrue(steps.size() > logSteps.size());
        steps.stream().filter(step -> !logSteps.contains(step)).forEach(step -> assertTrue(
                step.wrappedInErrorHandler(), "dispatch's own steps keep the dead letter channel: " + step));
    }

    @Test
    void aRepeatIsItsOwnLineNamingTheDeliveryItRepeats() throws Exception {
        byte[] body = withReference("ticket-basic.json", "REF-REPEATED");
        assertEquals(202, relay.send("ticket.updated", body).status());
        LoggedDelivery first = awaitLine(log, "REF-REPEATED", Outcome.DONE);
        assertEquals(202, relay.send("ticket.updated", body).status());

        LoggedDelivery repeat = awaitLine(log, "REF-REPEATED", Outcome.REPEAT);
        assertFalse(repeat.id().equals(first.id()), "a line of its own");
        assertEquals(first.id(), repeat.repeatOf());
        assertEquals(first.deliveryKey(), repeat.deliveryKey());
        assertEquals(List.of(), repeat.sinks(), "it reached no sink");
        assertEquals(Outcome.DONE, log.details(first.id()).orElseThrow().delivery().outcome(), "the first stays done");
    }

    @Test
    void anUnroutedNameIsLoggedUnrouted() throws Exception {
        assertEquals(202, relay.send("ticket.teleported", withReference("ticket-basic.json", "REF-UNROUTED")).status());
        LoggedDelivery line = awaitLine(log, "REF-UNROUTED", Outcome.UNROUTED);
        assertEquals("ticket.teleported", line.webhookName());
        assertEquals(List.of(), line.sinks());
    }

    @Test
    void aDeadLetterIsLoggedFailedWithItsAttemptsThenItsReplayDoneOnTheSameLine() throws Exception {
        byte[] body = withReference("ticket-basic.json", "REF-DEAD");
        sheetFails.set(true);
        try {
            assertEquals(202, relay.send("ticket.voided", body).status());
            await("the dead letter", PATIENCE, () -> relay.deadLetters().size() == 1);
        } finally {
            sheetFails.set(false);
        }
        String deadLetter = relay.deadLetters().get(0).getFileName().toString();
        LoggedDelivery failed = awaitLine(log, "REF-DEAD", Outcome.FAILED);
        assertEquals("IllegalStateException: the sheet is down", failed.failure());
        assertEquals("direct://spreadsheet", failed.failedSink());
        assertEquals(deadLetter, failed.deadLetter());
        assertEquals(3, failed.attempts(), "1 try + 2 redeliveries");
        List<Attempt> attempts = log.details(failed.id()).orElseThrow().attempts();
        assertEquals(List.of(1, 2, 3), attempts.stream().map(Attempt::number).toList());
        attempts.forEach(attempt -> {
            assertEquals("IllegalStateException: the sheet is down", attempt.error());
            assertEquals("direct://spreadsheet", attempt.sink());
        });
        // The voided ticket also emailed the organizers, before the sheet failed.
        assertEquals("email sent", failed.sinks().stream().filter(s -> s.sink().equals("organizer-email"))
                .findFirst().orElseThrow().did());

        assertEquals(0, DeadLetters.run(relay.dataDir(), System.out, "replay"));
        LoggedDelivery replayed = awaitLine(log, "REF-DEAD", Outcome.DONE);
        assertEquals(failed.id(), replayed.id(), "the same line");
        assertNull(replayed.failure());
        assertNull(replayed.deadLetter());
        assertEquals(4, replayed.attempts(), "three tries, then the replay's");
        assertEquals(3, log.details(failed.id()).orElseThrow().attempts().size(), "the failed attempts are kept");
        assertTrue(replayed.sinks().stream().anyMatch(s -> s.sink().equals("spreadsheet")),
                replayed.sinks().toString());
        assertEquals(1, log.count(new LogFilter(null, null, "REF-DEAD")), "one line");
    }
}
