package titorelay.dispatch;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.apache.camel.builder.NotifyBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import titorelay.support.LogCapture;
import titorelay.support.Samples;
import titorelay.support.TestRelay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Signed webhooks with hundreds of made-up names (a future Tito name, or a sender with the token trying names): each
 * is still kept and dispatched as unrouted, but the metrics keep one series per Tito name plus one "other", and the
 * log keeps one line for each of the first few names and then a periodic summary.
 */
class UnknownWebhookNamesTest {

    /** Tito's names, as its documentation lists them (kept apart from the relay's own list on purpose). */
    private static final List<String> TITO_NAMES = List.of(("checkin.created checkin.deleted ticket.created"
            + " ticket.completed ticket.reassigned ticket.updated ticket.unsnoozed ticket.unvoided ticket.voided"
            + " registration.updated registration.finished registration.completed registration.cancelled"
            + " registration.marked_as_paid registration.marked_as_unpaid").split(" "));
    private static final int RANDOM_NAMES = 300;
    private static final int LOGGED_NAMES = 10;
    private static final long SUMMARY_INTERVAL_MS = 1000;
    private static final Duration PATIENCE = Duration.ofSeconds(30);
    private static final Pattern SUMMARY = Pattern.compile("Unrouted webhooks: (\\d+) more since");

    @TempDir
    Path work;

    @Test
    void madeUpNamesAreKeptButShareOneMetricSeriesAndAFewLogLines() throws Exception {
        long seed = Long.getLong("names.seed", System.nanoTime());
        System.out.println("UnknownWebhookNamesTest seed " + seed + " (rerun with -Dnames.seed=" + seed + ")");
        Set<String> madeUp = madeUpNames(new Random(seed));
        byte[] body = Samples.bytes("ticket-basic.json");
        Path dataDir = work.resolve("data");
        try (LogCapture logCapture = new LogCapture();
             TestRelay relay = TestRelay.start(dataDir, Map.of(
                     "relay.unrouted.logged-names", String.valueOf(LOGGED_NAMES),
                     "relay.unrouted.summary-interval-ms", String.valueOf(SUMMARY_INTERVAL_MS)))) {
            long start = System.nanoTime();
            NotifyBuilder everyDelivery = new NotifyBuilder(relay.camelContext()).fromRoute("dispatch")
                    .whenCompleted(TITO_NAMES.size() + RANDOM_NAMES).create();
            for (String name : TITO_NAMES) {
                assertEquals(202, relay.send(name, tagged(body, name)).status());
            }
            ExecutorService senders = Executors.newFixedThreadPool(8);
            try {
                List<Future<Integer>> answers = new ArrayList<>();
                for (String name : madeUp) {
                    answers.add(senders.submit(() -> relay.send(name, body).status()));
                }
                for (Future<Integer> answer : answers) {
                    assertEquals(202, answer.get(), "a made-up name is still accepted");
                }
            } finally {
                senders.shutdownNow();
            }
            assertTrue(everyDelivery.matches(PATIENCE.toSeconds(), TimeUnit.SECONDS), "every delivery dispatched");
            // One more made-up name once a summary is due, then a Tito name as the sentinel: when it is
            // processed, everything before it was logged.
            Thread.sleep(SUMMARY_INTERVAL_MS + 100);
            NotifyBuilder twoMore = new NotifyBuilder(relay.camelContext()).fromRoute("dispatch").whenCompleted(2).create();
            assertEquals(202, relay.send("ticket.made_up_last", body).status());
            assertEquals(202, relay.send("ticket.updated", tagged(body, "sentinel")).status());
            assertTrue(twoMore.matches(PATIENCE.toSeconds(), TimeUnit.SECONDS), "the sentinel dispatched");
            long elapsedMs = Duration.ofNanos(System.nanoTime() - start).toMillis();

            String metrics = relay.metrics();
            for (String metric : List.of("tito_webhooks_received_total", "tito_webhooks_processed_total")) {
                Map<String, Double> series = series(metrics, metric);
                Map<String, Double> expected = new TreeMap<>();
                TITO_NAMES.forEach(name -> expected.put(name, 1.0));
                expected.put("ticket.updated", 2.0);
                expected.put("other", RANDOM_NAMES + 1.0);
                assertEquals(expected, series, metric + ": one series per Tito name, and one for all others");
            }
            assertEquals(Map.of("other", RANDOM_NAMES + 1.0), series(metrics, "tito_webhooks_unrouted_total"));
            assertTrue(madeUp.stream().noneMatch(metrics::contains), "no made-up name in the metrics");

            List<String> log = logCapture.lines();
            List<String> unrouted = log.stream().filter(line -> line.contains("Unrouted webhook")).toList();
            List<String> firstSeen = unrouted.stream()
                    .filter(line -> line.contains("(no branch in routes/routing.yaml)")).toList();
            assertEquals(LOGGED_NAMES, firstSeen.size(), "one line for each of the first names: " + firstSeen);
            int summarised = unrouted.stream().map(SUMMARY::matcher).filter(Matcher::find)
                    .mapToInt(m -> Integer.parseInt(m.group(1))).sum();
            assertEquals(RANDOM_NAMES + 1 - LOGGED_NAMES, summarised, "the summaries count the other deliveries");
            long summaries = elapsedMs / SUMMARY_INTERVAL_MS + 1;
            assertTrue(unrouted.size() <= LOGGED_NAMES + 1 + summaries,
                    unrouted.size() + " lines about unrouted webhooks in " + elapsedMs + " ms:\n" + String.join("\n", unrouted));
            assertTrue(madeUp.stream().filter(name -> log.stream().anyMatch(line -> line.contains(name))).count()
                       <= LOGGED_NAMES + 5L * summaries, "the log names few of the made-up names");
        }
        // Dedupe keeps one row per dispatched delivery, whatever its name, and the two emails (by delivery, and by
        // what they were about); an unknown name adds nothing more.
        assertEquals(Map.of("dispatch", TITO_NAMES.size() + RANDOM_NAMES + 2, "organizer-email", 2,
                "organizer-email-about", 2), dedupeRows(dataDir));
    }

    /** Valid-looking names ({@code word.word}, like Tito's), none of them Tito's. */
    private static Set<String> madeUpNames(Random random) {
        Set<String> names = new LinkedHashSet<>();
        String alphabet = "abcdefghijklmnopqrstuvwxyz0123456789_";
        List<String> families = List.of("ticket", "registration", "checkin", "event", "release");
        while (names.size() < RANDOM_NAMES) {
            StringBuilder action = new StringBuilder();
            for (int i = 3 + random.nextInt(20); i > 0; i--) {
                action.append(alphabet.charAt(random.nextInt(alphabet.length())));
            }
            String name = families.get(random.nextInt(families.size())) + "." + action;
            if (!TITO_NAMES.contains(name)) {
                names.add(name);
            }
        }
        return names;
    }

    /** The same payload made unique, so that it is not a repeat of another delivery. */
    private static byte[] tagged(byte[] body, String tag) {
        return new String(body, StandardCharsets.UTF_8)
                .replaceFirst("\"id\": 795", "\"id\": 795, \"test_tag\": \"" + tag + "\"")
                .getBytes(StandardCharsets.UTF_8);
    }

    /** Each series of a counter, by its name tag. */
    private static Map<String, Double> series(String metrics, String metric) {
        Pattern line = Pattern.compile("^" + metric + "\\{(?:.*,)?name=\"([^\"]*)\".*} (\\S+)$");
        Map<String, Double> series = new TreeMap<>();
        metrics.lines().map(line::matcher).filter(Matcher::matches)
                .forEach(m -> series.merge(m.group(1), Double.parseDouble(m.group(2)), Double::sum));
        return series;
    }

    /** Records per name in the dedupe store's files (17 bytes each, none removed here), read after the relay stopped. */
    private static Map<String, Integer> dedupeRows(Path dataDir) throws Exception {
        Map<String, Integer> rows = new HashMap<>();
        try (var files = Files.list(dataDir.resolve("dedupe"))) {
            for (Path file : files.filter(f -> f.toString().endsWith(".keys")).toList()) {
                rows.put(file.getFileName().toString().replace(".keys", ""), (int) (Files.size(file) / 17));
            }
        }
        return rows;
    }
}
