package titorelay.deliverylog;

import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import titorelay.support.Samples;
import titorelay.support.TestRelay;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static titorelay.support.TestRelay.await;

/**
 * What the console asks the delivery log (filters, pages, counts, totals, the per-minute chart, the names), of a set
 * of deliveries this test sent: each expected value is worked out from what was sent.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DeliveryLogQueriesTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** One webhook sent: its name, reference, attendee name, and the outcome the log should give it. */
    private record Sent(String webhookName, String reference, String name, Outcome outcome) {
    }

    private final List<Sent> sent = new ArrayList<>();
    private TestRelay relay;
    private DeliveryLogView log;
    private Instant before;
    private Instant after;

    @BeforeAll
    void sendDeliveries() throws Exception {
        relay = TestRelay.start(Files.createTempDirectory("delivery-log-queries"));
        log = relay.camelContext().getRegistry().lookupByNameAndType("deliveryHistory", DeliveryLogView.class);
        before = Instant.now();
        send("ticket.updated", "ticket-basic.json", "Q-T1", "Ada Lovelace", Outcome.DONE);
        send("ticket.updated", "ticket-basic.json", "Q-T2", "Grace Hopper", Outcome.DONE);
        send("registration.finished", "registration-2019.json", "Q-R1", "Katherine Johnson", Outcome.DONE);
        send("ticket.teleported", "ticket-basic.json", "Q-U1", "Zoë_100%", Outcome.UNROUTED);
        send("ticket.updated", "ticket-basic.json", "Q-T3", "Alan Turing", Outcome.DONE);
        send("ticket.updated", "ticket-basic.json", "Q-T3", "Alan Turing", Outcome.REPEAT);
        send("checkin.created", "checkin.json", "Q-C1", "Ada Byron", Outcome.DONE);
        after = Instant.now();
        await("every line's outcome", DeliveryLogTest.PATIENCE, () -> sent.stream().allMatch(delivery ->
                log.count(new LogFilter(delivery.webhookName(), delivery.outcome(), delivery.reference())) >= 1));
    }

    private void send(String webhookName, String sample, String reference, String name, Outcome outcome)
            throws Exception {
        ObjectNode payload = (ObjectNode) JSON.readTree(Samples.bytes(sample));
        payload.put("reference", reference);
        payload.put("name", name);
        payload.put("email", reference.toLowerCase() + "@example.org");
        assertEquals(202, relay.send(webhookName, JSON.writeValueAsBytes(payload)).status());
        if (outcome == Outcome.DONE || outcome == Outcome.UNROUTED) {
            // Each in turn, so that a repeat follows a delivery already done.
            await(reference + " logged", DeliveryLogTest.PATIENCE,
                    () -> log.count(new LogFilter(null, outcome, reference)) == 1);
        }
        sent.add(new Sent(webhookName, reference, name, outcome));
    }

    @AfterAll
    void stopRelay() throws Exception {
        relay.close();
    }

    @Test
    void newestFirstInPagesThatTogetherHoldEveryLineOnce() {
        List<String> expected = new ArrayList<>(sent.stream().map(Sent::reference).toList());
        java.util.Collections.reverse(expected);
        List<String> paged = new ArrayList<>();
        for (int offset = 0; offset < sent.size() + 3; offset += 3) {
            List<LoggedDelivery> page = log.newestFirst(LogFilter.all(), offset, 3);
            paged.addAll(page.stream().map(LoggedDelivery::reference).toList());
        }
        assertEquals(expected, paged);
        assertEquals(sent.size(), log.count(LogFilter.all()));
        assertEquals(List.of(), log.newestFirst(LogFilter.all(), sent.size(), 10), "past the last page");
    }

    @Test
    void filtersByNameOutcomeAndText() {
        for (String webhookName : sent.stream().map(Sent::webhookName).distinct().toList()) {
            List<String> expected = sent.stream().filter(s -> s.webhookName().equals(webhookName))
                    .map(Sent::reference).sorted().toList();
            assertEquals(expected, references(new LogFilter(webhookName, null, null)), webhookName);
            assertEquals(expected.size(), log.count(new LogFilter(webhookName, null, " ")), webhookName);
        }
        for (Outcome outcome : Outcome.values()) {
            List<String> expected = sent.stream().filter(s -> s.outcome() == outcome).map(Sent::reference).sorted()
                    .toList();
            assertEquals(expected, references(new LogFilter(null, outcome, null)), outcome.label());
            assertEquals(expected.size(), log.count(new LogFilter(null, outcome, null)), outcome.label());
        }
        // Text: in the reference, name, email or slug, whatever the case.
        assertEquals(List.of("Q-C1", "Q-T1"), references(new LogFilter(null, null, "ada")));
        assertEquals(List.of("Q-T2"), references(new LogFilter(null, null, "HOPPER")));
        assertEquals(List.of("Q-R1"), references(new LogFilter(null, null, "q-r1@EXAMPLE.org")));
        assertEquals(List.of("Q-R1"), references(new LogFilter(null, null, "dp6I7t2upnnXrka6GsXlw4A")), "slug");
        // LIKE's wildcards are plain characters in a filter.
        assertEquals(List.of("Q-U1"), references(new LogFilter(null, null, "_100%")));
        assertEquals(List.of(), references(new LogFilter(null, null, "a%e")));
        // Together.
        assertEquals(List.of("Q-T3"), references(new LogFilter("ticket.updated", Outcome.REPEAT, "turing")));
        assertEquals(0, log.count(new LogFilter("checkin.created", Outcome.FAILED, null)));
    }

    private List<String> references(LogFilter filter) {
        return log.newestFirst(filter, 0, 100).stream().map(LoggedDelivery::reference).sorted().toList();
    }

    @Test
    void totalsSinceATime() {
        long done = sent.stream().filter(s -> s.outcome() == Outcome.DONE).count();
        assertEquals(new Totals(sent.size(), done, 1, 1, 0), log.since(before.minusSeconds(1)));
        assertEquals(new Totals(0, 0, 0, 0, 0), log.since(after.plusSeconds(1)));
    }

    @Test
    void perMinuteCountsEachDeliveryInTheMinuteItWasReceived() {
        Instant from = before.truncatedTo(ChronoUnit.MINUTES).minus(Duration.ofMinutes(2));
        int[] minutes = log.perMinute(from, 5);
        assertEquals(5, minutes.length);
        int first = (int) Duration.between(from, before).toMinutes();
        int last = (int) Duration.between(from, after).toMinutes();
        int[] outside = new int[5];
        for (int minute = 0; minute < 5; minute++) {
            outside[minute] = minute < first || minute > last ? minutes[minute] : 0;
        }
        assertArrayEquals(new int[5], outside, "none outside the minutes of the sending: " + Arrays.toString(minutes));
        assertEquals(sent.size(), Arrays.stream(minutes).sum(), Arrays.toString(minutes));
        assertArrayEquals(new int[3], log.perMinute(after.plus(Duration.ofMinutes(1)), 3), "none later");
    }

    @Test
    void webhookNamesSeenSorted() {
        assertEquals(sent.stream().map(Sent::webhookName).distinct().sorted().toList(), log.webhookNames());
    }
}
