package titorelay.mail;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
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

import com.fasterxml.jackson.databind.JsonNode;
import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import titorelay.Timestamps;
import titorelay.Headers;
import titorelay.WebhookPayload;

/**
 * What an organizer email says, taken from the webhook: who, what (tickets, amount, discount code), when, and the
 * Tito admin link. The body becomes these facts, for the Mustache templates to show as {@code {{body.name}}} etc.
 * The variables {@code subjectTemplate}, {@code textTemplate} and {@code htmlTemplate} hold the templates, read from
 * disk each time (so an edit applies to the next email): the webhook's own (templates/ticket.voided.*.mustache) or,
 * for any other name routes/routing.yaml sends to the organizer email, the generic ones.
 */
public class OrganizerEmailFacts implements Processor {

    /** The prefix of the names routes/routing.yaml gives what reconciliation found (reconciled.ticket.voided). */
    private static final String RECONCILED = "reconciled.";
    private static final DateTimeFormatter WHEN = DateTimeFormatter.ofPattern("uuuu-MM-dd HH:mm 'UTC'").withZone(ZoneOffset.UTC);

    private final Path templates;

    public OrganizerEmailFacts(Path templates) {
        this.templates = templates;
    }

    @Override
    public void process(Exchange exchange) throws IOException {
        String name = exchange.getMessage().getHeader(Headers.WEBHOOK_NAME, String.class);
        boolean reconciled = name.startsWith(RECONCILED);
        // What reconciliation found reads like the webhook Tito would have sent, and says how it was found.
        String webhook = reconciled ? name.substring(RECONCILED.length()) : name;
        JsonNode payload = WebhookPayload.of(exchange);
        String set = Files.exists(templates.resolve(webhook + ".subject.mustache")) ? webhook : "generic";
        for (String part : new String[] {"subject", "text", "html"}) {
            exchange.setVariable(part + "Template",
                    Files.readString(templates.resolve(set + "." + part + ".mustache"), StandardCharsets.UTF_8));
        }
        Map<String, Object> facts = facts(webhook, payload);
        facts.put("foundByReconciliation", reconciled);
        exchange.getMessage().setBody(facts);
    }

    static Map<String, Object> facts(String webhook, JsonNode p) {
        Map<String, Object> facts = new LinkedHashMap<>();
        String kind = webhook.substring(0, webhook.indexOf('.'));
        String action = webhook.substring(webhook.indexOf('.') + 1).replace('_', ' ');
        facts.put("webhook", webhook);
        facts.put("kind", kind);
        facts.put("action", Character.toUpperCase(action.charAt(0)) + action.substring(1));
        facts.put("reference", text(p, "reference"));
        facts.put("slug", text(p, "slug"));
        facts.put("name", text(p, "name"));
        facts.put("email", text(p, "email"));
        facts.put("company", text(p, "company_name"));
        String eventTitle = text(p.path("event"), "title");
        facts.put("event", eventTitle.isEmpty() ? text(p.path("event"), "slug") : eventTitle);

        List<Map<String, String>> tickets = new ArrayList<>();
        JsonNode list = p.path("tickets");
        if (list.isArray()) {
            for (JsonNode ticket : list) {
                tickets.add(ticket(ticket));
            }
        } else if ("ticket".equals(kind)) {
            tickets.add(ticket(p));
        }
        facts.put("tickets", tickets);
        // The Admin API gives a registration's count without its tickets.
        int count = tickets.isEmpty() && p.path("tickets_count").canConvertToInt() ? p.path("tickets_count").asInt() : tickets.size();
        facts.put("ticketCount", count);
        facts.put("ticketsLabel", count == 1 ? "1 ticket" : count + " tickets");

        // A registration has its own; a 2017 ticket its event's; a 2022 ticket (ticket-v3.1.json) only its registration's.
        String currency = !text(p, "currency").isEmpty() ? text(p, "currency")
                : !text(p.path("event"), "currency").isEmpty() ? text(p.path("event"), "currency")
                : text(p.path("registration"), "currency");
        String total = !text(p, "total").isEmpty() ? text(p, "total") : text(p, "total_paid");
        facts.put("amount", total.isEmpty() ? "" : (currency.isEmpty() ? total : currency + " " + total));
        String discount = !text(p, "discount_code").isEmpty() ? text(p, "discount_code") : text(p, "discount_code_used");
        facts.put("discountCode", discount);

        Instant when = Timestamps.parse(text(p, "updated_at"));
        facts.put("when", when == null ? "" : WHEN.format(when));
        facts.put("adminUrl", adminUrl(kind, p));
        return facts;
    }

    /**
     * The payload's admin_url, or else the event's URL + /admin/registrations/ + the registration's slug; only an
     * https: link, since it becomes a link in the email (a javascript: or data: one would run or show whatever the
     * sender wrote), else none.
     */
    static String adminUrl(String kind, JsonNode p) {
        if (isHttps(text(p, "admin_url"))) {
            return text(p, "admin_url");
        }
        String eventUrl = text(p.path("event"), "url");
        String registration = "registration".equals(kind) ? text(p, "slug") : text(p, "registration_slug");
        if (eventUrl.isEmpty() || registration.isEmpty()) {
            return "";
        }
        String link = eventUrl.replaceAll("/+$", "") + "/admin/registrations/" + registration;
        return isHttps(link) ? link : "";
    }

    private static boolean isHttps(String link) {
        try {
            URI uri = new URI(link);
            return "https".equalsIgnoreCase(uri.getScheme()) && uri.getHost() != null;
        } catch (URISyntaxException notALink) {
            return false;
        }
    }

    private static Map<String, String> ticket(JsonNode ticket) {
        Map<String, String> facts = new LinkedHashMap<>();
        facts.put("reference", text(ticket, "reference"));
        facts.put("name", text(ticket, "name"));
        String release = text(ticket, "release_title");
        facts.put("release", release.isEmpty() ? text(ticket.path("release"), "title") : release);
        return facts;
    }

    private static String text(JsonNode node, String field) {
        JsonNode value = node.path(field);
        return value.isMissingNode() || value.isNull() ? "" : value.asText().strip();
    }
}
