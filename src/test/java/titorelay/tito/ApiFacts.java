package titorelay.tito;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVRecord;
import titorelay.support.Samples;
import titorelay.support.TestRelay;

/**
 * Tickets and registrations given as facts, from which a test makes both shapes: the webhook Tito would send
 * (from Tito's reference payloads in samples/) and the record its Admin API lists (in the emulator).
 */
final class ApiFacts {

    static final String ACCOUNT = "demo";
    static final String EVENT = "awesomeconf"; // the event of samples/ticket-v3.1.json and registration-v3.1.json
    static final String TOKEN = "api-test-token-1234";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final DateTimeFormatter WEBHOOK_TIME =
            DateTimeFormatter.ofPattern("uuuu-MM-dd HH:mm:ss 'UTC'").withZone(ZoneOffset.UTC);

    record TicketFact(String slug, String state, boolean archived, String name, String registration, String country,
            Instant updatedAt) {
    }

    record RegistrationFact(String slug, String state, String name, Instant updatedAt) {
    }

    private ApiFacts() {
    }

    static String webhookName(TicketFact ticket) {
        return "void".equals(ticket.state()) ? "ticket.voided" : "ticket.updated";
    }

    static byte[] webhook(TicketFact fact) throws IOException {
        ObjectNode ticket = (ObjectNode) JSON.readTree(Samples.bytes("ticket-v3.1.json"));
        ticket.put("slug", fact.slug()).put("reference", "REF-" + fact.slug()).put("state_name", fact.state())
                .put("name", fact.name()).put("email", fact.slug() + "@example.org")
                .put("registration_slug", fact.registration()).put("updated_at", WEBHOOK_TIME.format(fact.updatedAt()));
        ((ObjectNode) ticket.get("registration")).put("slug", fact.registration());
        ticket.set("answers", TitoApiEmulator.answers("Where do you live?", fact.country(), "Land " + fact.country()));
        return JSON.writeValueAsBytes(ticket);
    }

    static String webhookName(RegistrationFact registration) {
        return "cancelled".equals(registration.state()) ? "registration.cancelled" : "registration.updated";
    }

    static byte[] webhook(RegistrationFact fact) throws IOException {
        ObjectNode registration = (ObjectNode) JSON.readTree(Samples.bytes("registration-v3.1.json"));
        registration.put("slug", fact.slug()).put("reference", "R-" + fact.slug()).put("name", fact.name())
                .put("email", fact.slug() + "@example.org").put("total", "270.0").put("paid", true)
                .put("updated_at", WEBHOOK_TIME.format(fact.updatedAt())); // its tickets: 6
        return JSON.writeValueAsBytes(registration);
    }

    /** Puts the facts into the emulator's event as API records (release 2 is "Standard", as in the sample). */
    static void toEmulator(TitoApiEmulator tito, List<TicketFact> tickets, List<RegistrationFact> registrations) {
        TitoApiEmulator.Event event = tito.event(EVENT);
        Map<String, Integer> ids = new LinkedHashMap<>();
        synchronized (tito) {
            for (RegistrationFact fact : registrations) {
                ObjectNode registration = tito.registration(fact.slug(), fact.state(), fact.name(),
                        fact.slug() + "@example.org", fact.updatedAt());
                registration.put("reference", "R-" + fact.slug()).put("total", 270.0).put("paid", true)
                        .put("tickets_count", 6);
                event.registrations.add(registration);
                ids.put(fact.slug(), registration.get("id").asInt());
            }
            for (TicketFact fact : tickets) {
                ObjectNode ticket = tito.ticket(fact.slug(), fact.state(), fact.name(), fact.slug() + "@example.org",
                        ids.get(fact.registration()), 2, fact.archived(), fact.updatedAt());
                ticket.put("reference", "REF-" + fact.slug());
                event.tickets.add(ticket);
                event.answers.put(fact.slug(), TitoApiEmulator.answers("Where do you live?", fact.country(),
                        "Land " + fact.country()));
            }
        }
    }

    static Map<String, String> apiSettings(TitoApiEmulator tito, String reconcileIntervalMs) {
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put("tito.api-token", TOKEN);
        settings.put("tito.api-url", tito.apiUrl());
        settings.put("tito.account", ACCOUNT);
        settings.put("tito.events", EVENT);
        settings.put("tito.reconcile-interval-ms", reconcileIntervalMs);
        settings.put("relay.tito-api.retry-delay-ms", "100");
        return settings;
    }

    /** A CSV tab as rows by key (its first column), each row as column name → cell. */
    static Map<String, Map<String, String>> rows(Path dataDir, String tab) throws IOException {
        Map<String, Map<String, String>> rows = new LinkedHashMap<>();
        Path file = dataDir.resolve("sheets").resolve(tab + ".csv");
        if (!Files.exists(file)) {
            return rows;
        }
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            List<String> header = null;
            for (CSVRecord record : CSVFormat.RFC4180.parse(reader)) {
                List<String> cells = new ArrayList<>();
                record.forEach(cells::add);
                if (header == null) {
                    header = cells;
                    continue;
                }
                Map<String, String> row = new LinkedHashMap<>();
                for (int i = 0; i < header.size(); i++) {
                    row.put(header.get(i), i < cells.size() ? cells.get(i) : "");
                }
                rows.put(cells.get(0), row);
            }
        }
        return rows;
    }

    /** A metric's value from Prometheus text, summed over its series (tagged or not); 0 if it has none. */
    static double metric(String prometheusText, String name) {
        return prometheusText.lines().filter(line -> line.startsWith(name + "{") || line.startsWith(name + " "))
                .mapToDouble(line -> Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1))).sum();
    }

    static void sendAll(TestRelay relay, List<String> names, List<byte[]> bodies) throws Exception {
        for (int i = 0; i < names.size(); i++) {
            int status = relay.send(names.get(i), bodies.get(i)).status();
            if (status != 202) {
                throw new AssertionError(names.get(i) + " answered " + status);
            }
        }
        TestRelay.await("the webhooks dispatched", java.time.Duration.ofSeconds(30), () -> relay.inbox().isEmpty());
    }
}
