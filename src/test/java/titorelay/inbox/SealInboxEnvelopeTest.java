package titorelay.inbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.apache.camel.Exchange;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultExchange;
import org.junit.jupiter.api.Test;
import titorelay.Headers;
import titorelay.Timestamps;

/**
 * Each sealed webhook's name begins with the millisecond it was received in, then a count, so that names sort in
 * arrival order; many webhooks within one millisecond share its time and differ by the count. That millisecond is
 * read back from a name as java.time reads it.
 */
class SealInboxEnvelopeTest {

    private static final Pattern NAME = Pattern.compile(
            "(\\d{4})(\\d{2})(\\d{2})T(\\d{2})(\\d{2})(\\d{2})\\.(\\d{3})Z-(\\d{9})-ticket\\.updated\\.webhook");

    @Test
    void namesSortInArrivalOrderAndSayTheMillisecondEachWasReceivedIn() throws Exception {
        SealInboxEnvelope seal = new SealInboxEnvelope();
        List<String> names = new ArrayList<>();
        try (DefaultCamelContext camel = new DefaultCamelContext()) {
            for (int i = 0; i < 5_000; i++) {
                Exchange exchange = new DefaultExchange(camel);
                exchange.getMessage().setHeader(Headers.WEBHOOK_NAME, "ticket.updated");
                exchange.getMessage().setBody(("{\"n\":" + i + "}").getBytes(StandardCharsets.UTF_8));
                seal.process(exchange);
                String name = exchange.getMessage().getHeader(Exchange.FILE_NAME, String.class);
                Instant received = Instant.parse(InboxEnvelope.parse(exchange.getMessage().getBody(byte[].class))
                        .field(InboxEnvelope.RECEIVED_AT));
                Matcher parts = NAME.matcher(name);
                assertTrue(parts.matches(), name);
                // The name's time, read here field by field, is the received time to the millisecond.
                Instant named = Instant.parse(String.format("%s-%s-%sT%s:%s:%s.%sZ", parts.group(1), parts.group(2),
                        parts.group(3), parts.group(4), parts.group(5), parts.group(6), parts.group(7)));
                assertEquals(received.truncatedTo(ChronoUnit.MILLIS), named, name);
                assertEquals(i + 1, Integer.parseInt(parts.group(8)), name);
                names.add(name);
            }
        }
        List<String> sorted = new ArrayList<>(names);
        sorted.sort(null);
        assertEquals(names, sorted, "name order is arrival order");
        long distinctMillis = names.stream().map(name -> name.substring(0, 19)).distinct().count();
        assertTrue(distinctMillis < names.size(), "some names share a millisecond (" + distinctMillis + " for "
                                                  + names.size() + ")");
    }

    @Test
    void anInboxNamesMillisecondIsReadAsJavaTimeReadsIt() {
        DateTimeFormatter inboxNames = DateTimeFormatter.ofPattern("uuuuMMdd'T'HHmmss.SSS'Z'").withZone(ZoneOffset.UTC);
        Random random = new Random(14);
        for (int i = 0; i < 5_000; i++) {
            Instant at = Instant.ofEpochMilli(random.nextLong(Instant.parse("1999-12-31T23:59:59.999Z").toEpochMilli(),
                    Instant.parse("2100-03-01T00:00:00Z").toEpochMilli()));
            String name = inboxNames.format(at) + "-000000001-ticket.updated.webhook";
            assertEquals(at.toEpochMilli(), Timestamps.inboxNameMillis(name), name);
        }
        assertEquals(Instant.parse("2028-02-29T23:59:59.999Z").toEpochMilli(),
                Timestamps.inboxNameMillis("20280229T235959.999Z-000000001-x.webhook"), "a leap day");
        for (String odd : List.of("", "first", "20261128T060000.000Z", "20261128T060000.000X-1-x.webhook",
                "2026112aT060000.000Z-1-x.webhook", "20261328T060000.000Z-1-x.webhook",
                "20270229T060000.000Z-1-x.webhook", "20261128T240000.000Z-1-x.webhook",
                "20261128T066000.000Z-1-x.webhook", "2026-11-28T06:00:00.000Z-1-x.webhook")) {
            long read = Timestamps.inboxNameMillis(odd);
            boolean exactlyTwenty = odd.equals("20261128T060000.000Z");
            assertEquals(exactlyTwenty ? Instant.parse("2026-11-28T06:00:00Z").toEpochMilli() : -1, read, odd);
        }
    }
}
