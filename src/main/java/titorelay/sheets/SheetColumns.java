package titorelay.sheets;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;
import titorelay.Timestamps;

/**
 * The spreadsheet's shape, read from {@code sheet-columns.yaml}: its tabs, their key and columns, and which payload
 * fields fill which column for which webhook. Turns one webhook into the row changes it makes.
 */
public final class SheetColumns {

    /**
     * One tab: its key column, the columns the relay manages, and the rules that fill them. {@code progress} gives,
     * for some columns, the order their values come in (a registration is finished, then completed, then
     * cancelled): between two changes of the same Updated at, which arrived last cannot say which is newer.
     */
    public record Tab(String name, String key, String updatedAt, Set<String> timestamps, List<String> columns,
            List<Rule> rules, Map<String, List<String>> progress) {
    }

    /**
     * One entry of a tab's {@code webhooks:} list. With {@code each} (a path to a list in the webhook), it makes one row
     * per element of that list, its sources read in the element ({@code ../} reads the webhook itself).
     */
    public record Rule(List<Pattern> names, String each, Map<String, String> set, Map<String, String> fill,
            Map<String, String> value, String questions) {

        boolean matches(String webhookName) {
            for (Pattern pattern : names) { // a loop, not a stream: called for every rule of every delivery
                if (pattern.matcher(webhookName).matches()) {
                    return true;
                }
            }
            return false;
        }
    }

    private static final Pattern ALTERNATIVE_SEPARATOR = Pattern.compile("\\s*\\|\\s*");
    /** Each source of the columns file split into its alternatives once (a bounded set: the file's sources). */
    private static final Map<String, String[]> ALTERNATIVES = new ConcurrentHashMap<>();
    /** Each path of an alternative split into its fields once (as bounded: the file's sources). */
    private static final Map<String, String[]> FIELDS = new ConcurrentHashMap<>();
    /** Added to a question's title when the title is a column the tab's configuration manages. */
    private static final String QUESTION_SUFFIX = " (question)";
    /** Past this many webhook names, which rules match a name is worked out on each webhook instead of kept. */
    private static final int NAMES_KEPT = 256;

    private final List<Tab> tabs;
    /** For each webhook name seen: the rules of each tab (in the order of {@link #tabs}) that match it. */
    private final Map<String, List<List<Rule>>> rulesByName = new ConcurrentHashMap<>();

    private SheetColumns(List<Tab> tabs) {
        this.tabs = tabs;
    }

    public List<Tab> tabs() {
        return tabs;
    }

    public static SheetColumns load(Path file) throws IOException {
        try (Reader reader = Files.newBufferedReader(file)) {
            Object document = new Load(LoadSettings.builder().build()).loadFromReader(reader);
            return parse(asMap(document, file + ""));
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("Cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    static SheetColumns parse(Map<String, Object> document) {
        List<Tab> tabs = new ArrayList<>();
        for (Object entry : asList(document.get("tabs"), "tabs")) {
            Map<String, Object> tab = asMap(entry, "a tab");
            String name = required(tab, "name");
            List<Rule> rules = new ArrayList<>();
            for (Object rule : asList(tab.get("webhooks"), name + ".webhooks")) {
                Map<String, Object> r = asMap(rule, name + ".webhooks entry");
                rules.add(new Rule(
                        asList(r.get("names"), name + ".webhooks.names").stream().map(n -> glob(n.toString())).toList(),
                        r.get("each") == null ? null : r.get("each").toString(), strings(r.get("set")), strings(r.get("fill")), strings(r.get("value")),
                        r.get("questions") == null ? null : r.get("questions").toString()));
            }
            List<String> columns = asList(tab.get("columns"), name + ".columns").stream().map(Object::toString).toList();
            String key = required(tab, "key");
            if (!columns.contains(key)) {
                throw new IllegalArgumentException("tab " + name + ": its key column " + key + " is not in its columns");
            }
            Set<String> timestamps = new LinkedHashSet<>();
            if (tab.get("timestamps") != null) {
                asList(tab.get("timestamps"), name + ".timestamps").forEach(t -> timestamps.add(t.toString()));
            }
            Map<String, List<String>> progress = new LinkedHashMap<>();
            if (tab.get("progress") != null) {
                asMap(tab.get("progress"), name + ".progress").forEach((column, values) -> progress.put(column,
                        asList(values, name + ".progress." + column).stream().map(Object::toString).toList()));
            }
            tabs.add(new Tab(name, key, (String) tab.get("updated-at"), timestamps, columns, rules, progress));
        }
        return new SheetColumns(tabs);
    }

    /** Whether some tab says how this webhook fills its columns (routes/routing.yaml decides whether it comes here). */
    public boolean describes(String webhookName) {
        return rulesMatching(webhookName).stream().anyMatch(rules -> !rules.isEmpty());
    }

    /** What one webhook changes in one row of one tab. */
    public record RowChange(String tab, String key, Map<String, String> set, Map<String, String> fill,
            Instant updatedAt) {
    }

    /**
     * The row changes a webhook makes: in each tab, one row from the rules that match its name, plus one per element
     * of the list of each matching {@code each} rule.
     */
    public List<RowChange> changesFor(String webhookName, JsonNode payload) {
        List<RowChange> changes = new ArrayList<>();
        List<List<Rule>> matching = rulesMatching(webhookName);
        for (int t = 0; t < tabs.size(); t++) {
            Tab tab = tabs.get(t);
            Map<String, String> set = new LinkedHashMap<>();
            Map<String, String> fill = new LinkedHashMap<>();
            boolean matched = false;
            for (Rule rule : matching.get(t)) {
                if (rule.each() == null) {
                    matched = true;
                    fillFrom(tab, rule, payload, payload, set, fill);
                }
            }
            if (matched) {
                change(tab, set, fill).ifPresent(changes::add);
            }
            for (Rule rule : matching.get(t)) {
                if (rule.each() != null) {
                    for (JsonNode element : at(payload, rule.each())) {
                        Map<String, String> elementSet = new LinkedHashMap<>();
                        Map<String, String> elementFill = new LinkedHashMap<>();
                        fillFrom(tab, rule, element, payload, elementSet, elementFill);
                        change(tab, elementSet, elementFill).ifPresent(changes::add);
                    }
                }
            }
        }
        return changes;
    }

    /** The rules of each tab that match the name, in order: the name patterns are matched once per name. */
    private List<List<Rule>> rulesMatching(String webhookName) {
        List<List<Rule>> matching = rulesByName.get(webhookName);
        if (matching == null) {
            matching = tabs.stream().map(tab -> tab.rules().stream().filter(rule -> rule.matches(webhookName)).toList())
                    .toList();
            if (rulesByName.size() < NAMES_KEPT) {
                rulesByName.put(webhookName, matching);
            }
        }
        return matching;
    }

    private static void fillFrom(Tab tab, Rule rule, JsonNode node, JsonNode webhook, Map<String, String> set,
            Map<String, String> fill) {
        rule.set().forEach((column, source) -> read(node, webhook, source).ifPresent(v -> set.put(column, v)));
        rule.fill().forEach((column, source) -> read(node, webhook, source).ifPresent(v -> fill.put(column, v)));
        set.putAll(rule.value());
        if (rule.questions() != null) {
            answers(node.path(rule.questions()))
                    .forEach((title, answer) -> set.put(questionColumn(tab, title), answer));
        }
    }

    /**
     * The column of a question's answers: headed by its title, unless the tab's configuration manages a column of that
     * name. A ticket question titled "State" (an address) or "Email" must not replace the ticket's own State or Email,
     * and one titled "Slug" must not move the row to another key: such a question gets its own column, its title
     * followed by " (question)" (again, in the unlikely case that this too names a managed column).
     */
    private static String questionColumn(Tab tab, String title) {
        String column = title;
        while (tab.columns().contains(column)) {
            column += QUESTION_SUFFIX;
        }
        return column;
    }

    /** The change to the row of these cells' key; none without a key. */
    private static Optional<RowChange> change(Tab tab, Map<String, String> set, Map<String, String> fill) {
        String key = set.get(tab.key());
        if (key == null || key.isBlank()) {
            return Optional.empty();
        }
        for (String column : tab.timestamps()) {
            set.computeIfPresent(column, (c, v) -> normalizeTimestamp(v));
            fill.computeIfPresent(column, (c, v) -> normalizeTimestamp(v));
        }
        Instant updatedAt = tab.updatedAt() == null ? null : Timestamps.parse(set.get(tab.updatedAt()));
        return Optional.of(new RowChange(tab.name(), CellLimit.fit(key), CellLimit.fit(tab.name(), key, set),
                CellLimit.fit(tab.name(), key, fill), updatedAt));
    }

    /**
     * The first of a source's alternatives present in {@code node}; an alternative that starts with {@code ../} is read
     * in the whole webhook instead (for the rows of an {@code each} rule).
     */
    private static Optional<String> read(JsonNode node, JsonNode webhook, String source) {
        for (String alternative : ALTERNATIVES.computeIfAbsent(source, ALTERNATIVE_SEPARATOR::split)) {
            JsonNode payload = node;
            if (alternative.startsWith("../")) {
                payload = webhook;
                alternative = alternative.substring("../".length());
            }
            if (alternative.startsWith("count:")) {
                JsonNode list = at(payload, alternative.substring("count:".length()));
                if (list.isArray()) {
                    return Optional.of(String.valueOf(list.size()));
                }
                continue;
            }
            JsonNode value = at(payload, alternative);
            if (!value.isMissingNode() && !value.isNull()) {
                return Optional.of(text(value));
            }
        }
        return Optional.empty();
    }

    private static JsonNode at(JsonNode payload, String path) {
        JsonNode node = payload;
        for (String field : FIELDS.computeIfAbsent(path, p -> p.split("\\."))) {
            node = node.path(field);
        }
        return node;
    }

    /** Tickets carry {@code question} as an object with a title; check-ins as a plain string. */
    private static Map<String, String> answers(JsonNode answers) {
        Map<String, String> columns = new LinkedHashMap<>();
        for (JsonNode answer : answers) {
            JsonNode question = answer.path("question");
            String title = question.isTextual() ? question.asText() : question.path("title").asText("");
            JsonNode response = answer.hasNonNull("humanized_response") ? answer.get("humanized_response")
                    : answer.path("response");
            if (!title.isBlank() && !response.isMissingNode()) {
                columns.put(title.strip(), response.isNull() ? "" : text(response));
            }
        }
        return columns;
    }

    private static String text(JsonNode node) {
        if (node.isArray()) {
            List<String> items = new ArrayList<>();
            node.forEach(item -> items.add(text(item)));
            return String.join(", ", items);
        }
        return node.isValueNode() ? node.asText() : node.toString();
    }

    /** One format in the sheet, whichever Tito sent: ISO-8601 in UTC, which also sorts correctly as text. */
    static String normalizeTimestamp(String value) {
        String iso = Timestamps.toIsoInstant(value);
        return iso == null ? value : iso;
    }

    private static Pattern glob(String name) {
        return Pattern.compile(Pattern.quote(name).replace("*", "\\E[^ ]*\\Q"));
    }

    private static String required(Map<String, Object> map, String key) {
        Object value = map.get(key);
        if (value == null || value.toString().isBlank()) {
            throw new IllegalArgumentException("missing '" + key + "' in " + map);
        }
        return value.toString();
    }

    private static Map<String, String> strings(Object value) {
        Map<String, String> map = new LinkedHashMap<>();
        if (value != null) {
            asMap(value, "a column map").forEach((k, v) -> map.put(k, v == null ? "" : v.toString()));
        }
        return map;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> asMap(Object value, String what) {
        if (!(value instanceof Map)) {
            throw new IllegalArgumentException(what + " should be a map");
        }
        return (Map<String, Object>) value;
    }

    private static List<Object> asList(Object value, String what) {
        if (value == null) {
            return List.of();
        }
        if (!(value instanceof List<?> list)) {
            throw new IllegalArgumentException(what + " should be a list");
        }
        return new ArrayList<>(list);
    }
}
