package titorelay.tito;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import titorelay.support.LogCapture;
import titorelay.support.TestRelay;
import titorelay.tito.ApiFacts.RegistrationFact;
import titorelay.tito.ApiFacts.TicketFact;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static titorelay.tito.ApiFacts.EVENT;

/** Backfill through Tito's Admin API: the rows it makes are the rows the webhooks make, and never go back in time. */
class TitoApiBackfillTest {

    private static final Instant T = Instant.parse("2022-03-26T07:36:07Z");

    @TempDir
    Path work;

    /** Every ticket state (and one of an archived release) and every registration state, each with its own facts. */
    private static final List<RegistrationFact> REGISTRATIONS = List.of(
            new RegistrationFact("reg_paid", "paid", "Paid Person", T),
            new RegistrationFact("reg_unpaid", "unpaid", "Unpaid Person", T.plusSeconds(1)),
            new RegistrationFact("reg_complete", "complete", "Complete Person", T.plusSeconds(2)),
            new RegistrationFact("reg_confirmed", "confirmed", "Confirmed Person", T.plusSeconds(3)),
            new RegistrationFact("reg_incomplete", "incomplete", "Incomplete Person", T.plusSeconds(4)),
            new RegistrationFact("reg_cancelled", "cancelled", "Cancelled Person", T.plusSeconds(5)));
    private static final List<TicketFact> TICKETS = List.of(
            new TicketFact("ti_complete", "complete", false, "Ann Complete", "reg_paid", "IE", T),
            new TicketFact("ti_incomplete", "incomplete", false, "Ben Incomplete", "reg_incomplete", "DE", T.plusSeconds(10)),
            new TicketFact("ti_unassigned", "unassigned", false, "", "reg_unpaid", "FR", T.plusSeconds(20)),
            new TicketFact("ti_void", "void", false, "Cid Void", "reg_cancelled", "US", T.plusSeconds(30)),
            new TicketFact("ti_archived", "complete", true, "Dee Archived", "reg_confirmed", "UK", T.plusSeconds(40)));

    @Test
    void aBackfilledEventHasTheRowsItsWebhooksWouldGiveCellByCell() throws Exception {
        Path byWebhooks = work.resolve("webhooks");
        try (TestRelay relay = TestRelay.start(byWebhooks)) {
            List<String> names = new ArrayList<>();
            List<byte[]> bodies = new ArrayList<>();
            for (RegistrationFact fact : REGISTRATIONS) {
                names.add(ApiFacts.webhookName(fact));
                bodies.add(ApiFacts.webhook(fact));
            }
            for (TicketFact fact : TICKETS) {
                names.add(ApiFacts.webhookName(fact));
                bodies.add(ApiFacts.webhook(fact));
            }
            ApiFacts.sendAll(relay, names, bodies);
        }

        Path byApi = work.resolve("api");
        try (TitoApiEmulator tito = TitoApiEmulator.start(ApiFacts.ACCOUNT, ApiFacts.TOKEN)) {
            ApiFacts.toEmulator(tito, TICKETS, REGISTRATIONS);
            try (TestRelay relay = TestRelay.start(byApi, ApiFacts.apiSettings(tito, "0"))) {
                awaitPass(relay);
                assertEquals(TICKETS.size(), relay.counter("tito_api_records_fetched_total", "kind=\"tickets\""));
                assertEquals(REGISTRATIONS.size(),
                        relay.counter("tito_api_records_fetched_total", "kind=\"registrations\""));
            }
            // Void, archived and cancelled records are hidden unless asked for: every state was named.
            String ticketList = tito.requestLog().stream().filter(l -> l.contains("/tickets?")).findFirst().orElseThrow();
            for (String state : List.of("complete", "incomplete", "unassigned", "void", "archived")) {
                assertTrue(ticketList.contains("search[states][]=" + state), ticketList);
            }
            assertTrue(ticketList.contains("page[size]=1000") && ticketList.contains("expand=registration,release,answers"),
                    ticketList);
        }

        Map<String, Map<String, String>> webhookTickets = ApiFacts.rows(byWebhooks, "Tickets");
        Map<String, Map<String, String>> apiTickets = ApiFacts.rows(byApi, "Tickets");
        // (The webhook run has six more rows: the tickets listed in the cancelled registration's webhook, voided.)
        assertEquals(TICKETS.stream().map(TicketFact::slug).collect(java.util.stream.Collectors.toSet()),
                apiTickets.keySet());
        for (TicketFact fact : TICKETS) {
            Map<String, String> expected = webhookTickets.get(fact.slug());
            assertEquals(expected, apiTickets.get(fact.slug()), "the row of " + fact.slug());
            // And the webhook rows hold the facts, so the comparison compares something.
            assertEquals(fact.state(), expected.get("State"));
            assertEquals(fact.registration(), expected.get("Registration"));
            assertEquals("Land " + fact.country(), expected.get("Where do you live?"));
            assertEquals(fact.updatedAt().toString(), expected.get("Updated at"));
            assertEquals("Standard", expected.get("Release"));
            assertEquals(EVENT, expected.get("Event"));
        }

        Map<String, Map<String, String>> webhookRegistrations = ApiFacts.rows(byWebhooks, "Registrations");
        Map<String, Map<String, String>> apiRegistrations = ApiFacts.rows(byApi, "Registrations");
        assertEquals(REGISTRATIONS.size(), apiRegistrations.size());
        for (RegistrationFact fact : REGISTRATIONS) {
            Map<String, String> expected = new java.util.LinkedHashMap<>(webhookRegistrations.get(fact.slug()));
            Map<String, String> actual = new java.util.LinkedHashMap<>(apiRegistrations.get(fact.slug()));
            // What the two shapes cannot both say: a registration webhook has no state field (only its name says
            // what happened, here "cancelled"), and an API registration has no currency.
            assertEquals(fact.state(), actual.remove("State"), "the API's state of " + fact.slug());
            String webhookState = expected.remove("State");
            assertEquals("cancelled".equals(fact.state()) ? "cancelled" : "", webhookState);
            assertEquals("USD", expected.remove("Currency"));
            assertEquals("", actual.remove("Currency"));
            assertEquals(expected, actual, "the row of " + fact.slug());
            assertEquals("6", expected.get("Tickets"));
            assertEquals("270.0", expected.get("Total"));
        }
    }

    @Test
    void aBackfillRacingNewerWebhooksNeverPutsAnOldStateBack() throws Exception {
        TicketFact older = new TicketFact("ti_raced", "complete", false, "Old Name", "reg_paid", "IE", T);
        TicketFact newer = new TicketFact("ti_raced", "void", false, "New Name", "reg_paid", "IE", T.plusSeconds(3600));
        TicketFact apiNewer = new TicketFact("ti_late", "complete", false, "Api Name", "reg_paid", "DE", T.plusSeconds(3600));
        TicketFact lateWebhook = new TicketFact("ti_late", "incomplete", false, "Late Name", "reg_paid", "DE", T);
        RegistrationFact registrationOlder = new RegistrationFact("reg_paid", "paid", "Old Buyer", T);
        RegistrationFact registrationNewer = new RegistrationFact("reg_paid", "cancelled", "New Buyer", T.plusSeconds(60));

        try (TitoApiEmulator tito = TitoApiEmulator.start(ApiFacts.ACCOUNT, ApiFacts.TOKEN)) {
            ApiFacts.toEmulator(tito, List.of(older, apiNewer), List.of(registrationOlder));
            tito.holdWhen(request -> true); // the backfill waits until the newer webhooks are in the sheet
            try (TestRelay relay = TestRelay.start(work.resolve("data"), ApiFacts.apiSettings(tito, "0"))) {
                ApiFacts.sendAll(relay, List.of("ticket.voided", "registration.cancelled"),
                        List.of(ApiFacts.webhook(newer), ApiFacts.webhook(registrationNewer)));
                tito.releaseHeld();
                awaitPass(relay);
                assertEquals(3, relay.counter("tito_api_records_fetched_total"), "the backfill fetched them all");
                // A webhook older than what the backfill wrote, arriving after it.
                ApiFacts.sendAll(relay, List.of("ticket.updated"), List.of(ApiFacts.webhook(lateWebhook)));

                Map<String, Map<String, String>> tickets = ApiFacts.rows(relay.dataDir(), "Tickets");
                assertEquals("void", tickets.get("ti_raced").get("State"));
                assertEquals("New Name", tickets.get("ti_raced").get("Name"));
                assertEquals(newer.updatedAt().toString(), tickets.get("ti_raced").get("Updated at"));
                assertEquals("complete", tickets.get("ti_late").get("State"));
                assertEquals("Api Name", tickets.get("ti_late").get("Name"));
                Map<String, String> registration = ApiFacts.rows(relay.dataDir(), "Registrations").get("reg_paid");
                assertEquals("cancelled", registration.get("State"));
                assertEquals("New Buyer", registration.get("Name"));
            }
        }
    }

    /**
     * Tito's lists are sorted by created_at alone, and an order's tickets are created in the same second: nothing
     * makes their order among themselves the same from one page to the next. Here the emulator turns it round on
     * every other page, so the two orders of three tickets that pages of 1,000 split are partly served twice and
     * partly never by paging alone (page 1 ends with ticket 999 and page 2, its order turned round, starts with
     * 1000 and 999 again: 1001 is never served; page 2 ends with 2000 and 1999, page 3 starts with 2000 again:
     * 1998 is never served); the sheet must still get every ticket.
     */
    @Test
    void aBackfillWhosePagesSplitAnOrderCreatedInOneSecondMissesNoneOfItsTickets() throws Exception {
        int count = 2_500; // pages of 1,000 split the orders of tickets 999-1001 and 1998-2000
        try (TitoApiEmulator tito = TitoApiEmulator.start(ApiFacts.ACCOUNT, ApiFacts.TOKEN)) {
            tito.generate(EVENT, count, 3, T);
            tito.orderTiesDifferentlyOnEachPage();
            Set<String> every = new HashSet<>();
            for (int i = 0; i < count; i++) {
                every.add("ti_" + EVENT + "_" + i);
            }
            Set<String> paged = new HashSet<>();
            for (int page = 1; page <= 3; page++) {
                paged.addAll(ticketSlugs(tito, "&page[number]=" + page));
            }
            Set<String> missed = new HashSet<>(every);
            missed.removeAll(paged);
            assertEquals(Set.of("ti_" + EVENT + "_1001", "ti_" + EVENT + "_1998"), missed,
                    "the fault: paging alone never serves one ticket of each split order");

            try (TestRelay relay = TestRelay.start(work.resolve("data"), ApiFacts.apiSettings(tito, "0"))) {
                awaitPass(relay);
                Set<String> inSheet = ApiFacts.rows(relay.dataDir(), "Tickets").keySet();
                Set<String> notInSheet = new HashSet<>(every);
                notInSheet.removeAll(inSheet);
                assertEquals(Set.of(), notInSheet, "tickets missing from the sheet");
                assertEquals(count, inSheet.size(), "rows in the tickets tab");
                assertEquals(count / 3 + 1, ApiFacts.rows(relay.dataDir(), "Registrations").size());
            }
            // What it cost: one list of the split order's second at each of the two boundaries, none elsewhere.
            List<String> seconds = tito.requestLog().stream().filter(l -> l.contains("search[created_at]")).toList();
            assertEquals(2, seconds.size(), String.join("\n", seconds));
            assertTrue(seconds.stream().allMatch(l -> l.contains("/tickets?") && l.contains(" records=3 ")),
                    String.join("\n", seconds));
        }
    }

    /**
     * An import can create more tickets in one second than a page holds: that second is then listed state by state.
     * Here 2,500 tickets of one registration share a second; paging alone (page 1 tickets 0-999, page 2 turned round
     * 1499 down to 500, page 3 2000-2499) never serves tickets 1500 to 1999.
     */
    @Test
    void moreTicketsCreatedInOneSecondThanAPageHoldsAreListedStateByState() throws Exception {
        int count = 2_500;
        try (TitoApiEmulator tito = TitoApiEmulator.start(ApiFacts.ACCOUNT, ApiFacts.TOKEN)) {
            tito.generate(EVENT, count, count, T);
            tito.orderTiesDifferentlyOnEachPage();
            Set<String> every = new HashSet<>();
            Set<String> neverServed = new HashSet<>();
            for (int i = 0; i < count; i++) {
                every.add("ti_" + EVENT + "_" + i);
                if (i >= 1500 && i < 2000) {
                    neverServed.add("ti_" + EVENT + "_" + i);
                }
            }
            Set<String> missed = new HashSet<>(every);
            for (int page = 1; page <= 3; page++) {
                missed.removeAll(ticketSlugs(tito, "&page[number]=" + page));
            }
            assertEquals(neverServed, missed, "the fault: what paging alone never serves");

            try (TestRelay relay = TestRelay.start(work.resolve("data"), ApiFacts.apiSettings(tito, "0"))) {
                awaitPass(relay);
                Set<String> notInSheet = new HashSet<>(every);
                notInSheet.removeAll(ApiFacts.rows(relay.dataDir(), "Tickets").keySet());
                assertEquals(Set.of(), notInSheet, "tickets missing from the sheet");
                assertEquals(count, ApiFacts.rows(relay.dataDir(), "Tickets").size());
            }
            // The second was listed once (both boundaries split it), then each state on its own, in one page each.
            List<String> second = tito.requestLog().stream().filter(l -> l.contains("search[created_at]")).toList();
            assertEquals(6, second.size(), String.join("\n", second));
            assertTrue(second.get(0).contains(" records=1000 "), second.get(0));
            List<List<String>> statesAsked = second.stream().map(l -> java.util.regex.Pattern
                    .compile("search\\[states\\]\\[\\]=(\\w+)").matcher(l).results().map(m -> m.group(1)).toList())
                    .toList();
            assertEquals(List.of(List.of("complete", "incomplete", "unassigned", "void", "archived"), List.of("complete"),
                    List.of("incomplete"), List.of("unassigned"), List.of("void"), List.of("archived")), statesAsked);
            assertTrue(second.stream().skip(1).allMatch(l -> l.contains("page[number]=1 ")), String.join("\n", second));
        }
    }

    /**
     * More than a page of one state created in one second cannot be listed whole while Tito's order among them
     * changes from page to page: the relay says so, naming the second, the list and the count, and goes on.
     */
    @Test
    void moreOfOneStateCreatedInOneSecondThanAPageHoldsIsNamedInAWarning() throws Exception {
        int count = 2_500;
        try (TitoApiEmulator tito = TitoApiEmulator.start(ApiFacts.ACCOUNT, ApiFacts.TOKEN)) {
            tito.generate(EVENT, count, count, T);
            for (int i = 0; i < count; i++) {
                tito.change(EVENT, "ti_" + EVENT + "_" + i, T, Map.of("state", "complete", "void", false,
                        "release_archived", false));
            }
            tito.orderTiesDifferentlyOnEachPage();
            try (LogCapture log = new LogCapture();
                 TestRelay relay = TestRelay.start(work.resolve("data"), ApiFacts.apiSettings(tito, "0"))) {
                awaitPass(relay);
                List<String> warnings = log.lines().stream().filter(l -> l.contains("WARN")
                        && l.contains("pages 1 and 2 of tickets split the records created in the second"
                                      + " 2022-03-26T07:36:06Z") && l.contains("(2500 complete)")).toList();
                assertEquals(1, warnings.size(), String.join("\n", log.lines()));
                // As paging alone: tickets 1500 to 1999 never served (see the test above), the rest written.
                assertEquals(count - 500, ApiFacts.rows(relay.dataDir(), "Tickets").size());
            }
        }
    }

    /** The slugs of a page of every ticket as the relay asks for them, fetched by the test itself. */
    private static Set<String> ticketSlugs(TitoApiEmulator tito, String page) throws Exception {
        StringBuilder query = new StringBuilder("page[size]=1000&search[sort]=created_at&search[direction]=asc");
        for (String state : List.of("complete", "incomplete", "unassigned", "void", "archived")) {
            query.append("&search[states][]=").append(state);
        }
        java.net.URI uri = java.net.URI.create(tito.apiUrl() + "/" + ApiFacts.ACCOUNT + "/" + EVENT + "/tickets?"
                + query.append(page).toString().replace("[", "%5B").replace("]", "%5D"));
        java.net.http.HttpResponse<String> answer = java.net.http.HttpClient.newHttpClient().send(
                java.net.http.HttpRequest.newBuilder(uri).header("Authorization", "Token token=" + ApiFacts.TOKEN).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        assertEquals(200, answer.statusCode(), answer.body());
        Set<String> slugs = new HashSet<>();
        new com.fasterxml.jackson.databind.ObjectMapper().readTree(answer.body()).get("tickets")
                .forEach(ticket -> slugs.add(ticket.get("slug").asText()));
        return slugs;
    }

    /** Until a pass has succeeded for every event (its rows are then in the sheet). */
    static void awaitPass(TestRelay relay) throws InterruptedException {
        TestRelay.await("a successful pass over Tito's API", Duration.ofSeconds(30),
                () -> TestRelay.uncheck(() -> ApiFacts.metric(relay.metrics(), "tito_api_last_reconcile_seconds") > 0));
    }
}
