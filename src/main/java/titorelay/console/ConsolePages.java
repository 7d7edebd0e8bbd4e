package titorelay.console;

import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Predicate;
import java.util.function.Supplier;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.vertx.ext.web.RoutingContext;
import org.apache.camel.CamelContext;
import titorelay.deliverylog.DeliveryDetails;
import titorelay.deliverylog.DeliveryLogView;
import titorelay.deliverylog.LogFilter;
import titorelay.deliverylog.LoggedDelivery;
import titorelay.deliverylog.Outcome;
import titorelay.deliverylog.Totals;
import titorelay.inbox.DeadLetterFiles;
import titorelay.inbox.DeadLetterFiles.DeadLetter;

/**
 * The console's pages: the overview, the delivery log, one delivery, the dead letters, and replaying them. Each runs
 * on a worker thread (it reads the delivery log and the disk); the gate in {@link ConsoleAccess} has let only a
 * logged-in browser through, and a POST only with its CSRF token.
 */
final class ConsolePages {

    static final int PAGE_SIZE = 50;
    static final int CHART_MINUTES = 6 * 60;
    private static final DateTimeFormatter WHEN = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss").withZone(ZoneOffset.UTC);
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss").withZone(ZoneOffset.UTC);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final CamelContext camelContext;
    private final Supplier<DeliveryLogView> deliveryLog;
    private final Path dataDir;
    private final ConsoleView view;
    private final Clock clock;

    ConsolePages(CamelContext camelContext, Supplier<DeliveryLogView> deliveryLog, Path dataDir, ConsoleView view,
            Clock clock) {
        this.camelContext = camelContext;
        this.deliveryLog = deliveryLog;
        this.dataDir = dataDir;
        this.view = view;
        this.clock = clock;
    }

    void overview(RoutingContext ctx) {
        Map<String, Object> scope = ConsoleAccess.pageScope(ctx, "overview");
        Instant now = clock.instant();
        DeliveryLogView log = deliveryLog.get();
        scope.put("logOff", log == null);
        if (log != null) {
            Totals hour = log.since(now.minus(Duration.ofHours(1)));
            Totals day = log.since(now.minus(Duration.ofDays(1)));
            scope.put("totals", List.of(
                    total("Received", hour.received(), day.received(), ""),
                    total("Processed", hour.processed(), day.processed(), "done"),
                    total("Repeats dropped", hour.repeats(), day.repeats(), "repeat"),
                    total("Unrouted", hour.unrouted(), day.unrouted(), "unrouted"),
                    total("Dead letters", hour.deadLetters(), day.deadLetters(), "failed")));
            Instant chartFrom = now.truncatedTo(ChronoUnit.MINUTES).minus(Duration.ofMinutes(CHART_MINUTES - 1));
            scope.put("chart", MinuteChart.of(log.perMinute(chartFrom, CHART_MINUTES), chartFrom));
            List<Map<String, Object>> latest = rows(log.newestFirst(LogFilter.all(), 0, 10));
            scope.put("latest", latest);
            scope.put("hasLatest", !latest.isEmpty());
        }
        scope.put("health", SinkHealth.of(camelContext));
        scope.put("deadLetters", deadLetters().size());
        view.render(ctx, 200, "overview", scope);
    }

    void deliveries(RoutingContext ctx) {
        Map<String, Object> scope = ConsoleAccess.pageScope(ctx, "deliveries");
        DeliveryLogView log = deliveryLog.get();
        scope.put("logOff", log == null);
        String name = blankAsNull(ctx.request().getParam("name"));
        Outcome outcome = Outcome.ofLabel(ctx.request().getParam("outcome"));
        String text = blankAsNull(ctx.request().getParam("q"));
        int page = Math.max(1, parsePage(ctx.request().getParam("page")));
        scope.put("q", text == null ? "" : text);
        List<Map<String, Object>> outcomes = new ArrayList<>();
        for (Outcome each : Outcome.values()) {
            outcomes.add(Map.of("label", each.label(), "selected", each == outcome));
        }
        scope.put("outcomes", outcomes);
        if (log != null) {
            LogFilter filter = new LogFilter(name, outcome, text);
            long count = log.count(filter);
            List<Map<String, Object>> names = new ArrayList<>();
            for (String each : log.webhookNames()) {
                names.add(Map.of("name", each, "selected", each.equals(name)));
            }
            scope.put("names", names);
            scope.put("rows", rows(log.newestFirst(filter, (page - 1) * PAGE_SIZE, PAGE_SIZE)));
            scope.put("count", count);
            long pages = Math.max(1, (count + PAGE_SIZE - 1) / PAGE_SIZE);
            scope.put("page", page);
            scope.put("pages", pages);
            String query = "name=" + encode(name) + "&outcome=" + encode(outcome == null ? null : outcome.label())
                           + "&q=" + encode(text);
            if (page > 1) {
                scope.put("previous", "/console/deliveries?" + query + "&page=" + (page - 1));
            }
            if (page < pages) {
                scope.put("next", "/console/deliveries?" + query + "&page=" + (page + 1));
            }
        }
        view.render(ctx, 200, "deliveries", scope);
    }

    void delivery(RoutingContext ctx) {
        Map<String, Object> scope = ConsoleAccess.pageScope(ctx, "deliveries");
        DeliveryLogView log = deliveryLog.get();
        Optional<DeliveryDetails> found = log == null ? Optional.empty() : log.details(ctx.pathParam("id"));
        if (found.isEmpty()) {
            scope.put("id", ctx.pathParam("id"));
            view.render(ctx, 404, "not-found", scope);
            return;
        }
        DeliveryDetails details = found.get();
        scope.put("delivery", row(details.delivery()));
        scope.put("envelope", pairs(details.envelope()));
        String body = pretty(details.body());
        scope.put("body", body);
        scope.put("hasBody", !body.isEmpty());
        List<Map<String, Object>> attempts = new ArrayList<>();
        details.attempts().forEach(attempt -> attempts.add(Map.of("number", attempt.number(),
                "at", WHEN.format(attempt.at()), "sink", text(attempt.sink()), "error", text(attempt.error()))));
        scope.put("attempts", attempts);
        scope.put("hasAttempts", !attempts.isEmpty());
        scope.put("row", pairs(details.row()));
        scope.put("hasRow", !details.row().isEmpty());
        String deadLetter = details.delivery().deadLetter();
        // Only its own file is looked at (not every dead letter read), and only while it waits for a replay.
        if (details.delivery().outcome() == Outcome.FAILED && DeadLetterFiles.exists(dataDir, deadLetter)) {
            scope.put("replay", "/console/replay?file=" + encode(deadLetter));
        }
        view.render(ctx, 200, "delivery", scope);
    }

    void deadLetterList(RoutingContext ctx) {
        Map<String, Object> scope = ConsoleAccess.pageScope(ctx, "deadletters");
        List<DeadLetter> all = deadLetters();
        List<Map<String, Object>> rows = new ArrayList<>();
        Map<String, Integer> bySink = new TreeMap<>();
        for (DeadLetter deadLetter : all) {
            rows.add(Map.of("file", deadLetter.file(), "link", "/console/deliveries/" + encode(deadLetter.file()),
                    "replay", "/console/replay?file=" + encode(deadLetter.file()), "replayable", deadLetter.replayable(),
                    "name", text(deadLetter.webhookName()), "sink", text(deadLetter.sink()),
                    "attempts", text(deadLetter.attempts()), "failedAt", text(deadLetter.failedAt()),
                    "failure", text(deadLetter.failure())));
            bySink.merge(text(deadLetter.sink()), 1, Integer::sum);
        }
        List<Map<String, Object>> sinks = new ArrayList<>();
        bySink.forEach((sink, count) -> sinks.add(Map.of("sink", sink, "count", count,
                "replay", "/console/replay?sink=" + encode(sink))));
        scope.put("deadLetters", rows);
        scope.put("count", rows.size());
        scope.put("hasDeadLetters", !rows.isEmpty());
        scope.put("sinks", sinks);
        String replayed = ctx.request().getParam("replayed");
        if (replayed != null && replayed.matches("\\d{1,9}")) {
            scope.put("replayed", replayed);
        }
        view.render(ctx, 200, "dead-letters", scope);
    }

    /** The confirmation before a replay: what it will replay, and the button that does it (a POST). */
    void confirmReplay(RoutingContext ctx) {
        Map<String, Object> scope = ConsoleAccess.pageScope(ctx, "deadletters");
        Selection selection = Selection.of(ctx.request().getParam("file"), ctx.request().getParam("sink"),
                ctx.request().getParam("all"));
        List<DeadLetter> chosen = selection == null ? List.of()
                : deadLetters().stream().filter(selection.chooses()).filter(DeadLetter::replayable).toList();
        scope.put("chosen", chosen.stream().map(d -> Map.of("file", d.file(), "name", text(d.webhookName()),
                "sink", text(d.sink()), "failure", text(d.failure()))).toList());
        scope.put("count", chosen.size());
        scope.put("hasChosen", !chosen.isEmpty());
        scope.put("what", selection == null ? "" : selection.description());
        if (selection != null) {
            scope.put("field", selection.field());
            scope.put("value", selection.value());
        }
        view.render(ctx, selection == null ? 400 : 200, "confirm-replay", scope);
    }

    void replay(RoutingContext ctx) {
        Selection selection = Selection.of(ctx.request().getFormAttribute("file"),
                ctx.request().getFormAttribute("sink"), ctx.request().getFormAttribute("all"));
        if (selection == null) {
            Map<String, Object> scope = ConsoleAccess.pageScope(ctx, "deadletters");
            scope.put("count", 0);
            view.render(ctx, 400, "confirm-replay", scope);
            return;
        }
        try {
            List<DeadLetter> moved = DeadLetterFiles.replay(dataDir,
                    DeadLetterFiles.select(dataDir, selection.chooses()));
            ConsoleView.seeOther(ctx, "/console/dead-letters?replayed=" + moved.size());
        } catch (IOException e) {
            throw new IllegalStateException("Cannot replay: " + e.getMessage(), e);
        }
    }

    /** Which dead letters a replay takes: one file, all of one sink, or all. */
    record Selection(String field, String value, String description, Predicate<DeadLetter> chooses) {

        static Selection of(String file, String sink, String all) {
            if (file != null && !file.isBlank()) {
                return new Selection("file", file, "the dead letter " + file, d -> d.file().equals(file));
            }
            if (sink != null && !sink.isBlank()) {
                return new Selection("sink", sink, "every dead letter of the sink " + sink,
                        d -> sink.equals(d.sink()));
            }
            if ("yes".equals(all)) {
                return new Selection("all", "yes", "every dead letter", d -> true);
            }
            return null;
        }
    }

    private List<DeadLetter> deadLetters() {
        try {
            return DeadLetterFiles.list(dataDir);
        } catch (IOException e) {
            throw new IllegalStateException("Cannot read the dead letters: " + e.getMessage(), e);
        }
    }

    private static Map<String, Object> total(String what, long hour, long day, String outcome) {
        return Map.of("what", what, "hour", hour, "day", day,
                "link", outcome.isEmpty() ? "/console/deliveries" : "/console/deliveries?outcome=" + outcome);
    }

    private static List<Map<String, Object>> rows(List<LoggedDelivery> deliveries) {
        return deliveries.stream().map(ConsolePages::row).toList();
    }

    private static Map<String, Object> row(LoggedDelivery delivery) {
        Map<String, Object> row = new TreeMap<>();
        row.put("id", delivery.id());
        row.put("link", "/console/deliveries/" + encode(delivery.id()));
        row.put("receivedAt", delivery.receivedAt() == null ? "" : WHEN.format(delivery.receivedAt()));
        row.put("webhookName", text(delivery.webhookName()));
        row.put("reference", text(delivery.reference()));
        row.put("name", text(delivery.name()));
        row.put("email", text(delivery.email()));
        row.put("slug", text(delivery.slug()));
        row.put("outcome", delivery.outcome().label());
        row.put("attempts", delivery.attempts());
        row.put("deliveryKey", text(delivery.deliveryKey()));
        row.put("failure", text(delivery.failure()));
        row.put("failedSink", text(delivery.failedSink()));
        row.put("repeatOf", text(delivery.repeatOf()));
        row.put("sinks", delivery.sinks().stream().map(sink -> sink.sink() + ": " + sink.did()
                + (sink.at() == null ? "" : " at " + TIME.format(sink.at()))).toList());
        return row;
    }

    private static List<Map<String, Object>> pairs(Map<String, String> values) {
        List<Map<String, Object>> pairs = new ArrayList<>();
        values.forEach((key, value) -> pairs.add(Map.of("key", text(key), "value", text(value))));
        return pairs;
    }

    /** The body as indented JSON, or as text if it is not JSON. */
    static String pretty(byte[] body) {
        if (body == null || body.length == 0) {
            return "";
        }
        try {
            return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(JSON.readTree(body));
        } catch (IOException notJson) {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    private static String text(String value) {
        return value == null ? "" : value;
    }

    private static String blankAsNull(String value) {
        return value == null || value.isBlank() ? null : value.strip();
    }

    private static int parsePage(String page) {
        return page != null && page.matches("\\d{1,6}") ? Integer.parseInt(page) : 1;
    }

    private static String encode(String value) {
        return value == null ? "" : URLEncoder.encode(value, StandardCharsets.UTF_8);
    }
}
