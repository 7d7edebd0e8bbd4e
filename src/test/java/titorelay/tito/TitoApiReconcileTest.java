package titorelay.tito;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import titorelay.support.TestRelay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Reconcile: each pass asks only for what changed since the last successful one; a cancellation or void it finds is
 * handed to direct:reconciled-cancellation, which emails the organizers once; the backfill's never.
 */
class TitoApiReconcileTest {

    private static final Instant SOLD = Instant.parse("2022-03-26T07:36:27Z");

    @TempDir
    Path work;

    @Test
    void aPassFetchesOnlyWhatChangedAndHandsOnTheCancellationsItFinds() throws Exception {
        try (TitoApiEmulator tito = TitoApiEmulator.start(ApiFacts.ACCOUNT, ApiFacts.TOKEN)) {
            tito.generate(ApiFacts.EVENT, 40, SOLD); // includes void tickets and cancelled registrations
            try (TestRelay relay = TestRelay.start(work.resolve("data"), ApiFacts.apiSettings(tito, "500"))) {
                TitoApiBackfillTest.awaitPass(relay);
                // No SMTP server configured: the organizer emails are .eml files.
                Path outbox = relay.dataDir().resolve("outbox");
                assertEquals(List.of(), TestRelay.files(outbox), "the backfill emails nobody");
                assertEquals("void", ApiFacts.rows(relay.dataDir(), "Tickets").get("ti_awesomeconf_3").get("State"));

                int logged = tito.requestLog().size();
                Instant now = Instant.now();
                tito.change(ApiFacts.EVENT, "ti_awesomeconf_0", now, Map.of("name", "Renamed Person"));
                tito.change(ApiFacts.EVENT, "ti_awesomeconf_1", now, Map.of("state", "void", "void", true));
                tito.change(ApiFacts.EVENT, "reg_awesomeconf_4", now, Map.of("state", "cancelled", "cancelled", true));
                // Three passes over the registrations after the change: the first two are then complete.
                TestRelay.await("two reconcile passes after the change", Duration.ofSeconds(30),
                        () -> reconcileRequests(tito, logged, "/registrations?").size() >= 3);

                Map<String, Map<String, String>> tickets = ApiFacts.rows(relay.dataDir(), "Tickets");
                assertEquals("Renamed Person", tickets.get("ti_awesomeconf_0").get("Name"));
                assertEquals("void", tickets.get("ti_awesomeconf_1").get("State"));
                assertEquals("cancelled", ApiFacts.rows(relay.dataDir(), "Registrations").get("reg_awesomeconf_4")
                        .get("State"));

                // Its cost follows the changes: a reconcile answer holds the changed records only (a pass that ran
                // while the test changed them may have seen fewer), never the event's 40 tickets.
                List<String> ticketRequests = reconcileRequests(tito, logged, "/tickets?");
                assertTrue(ticketRequests.stream().allMatch(r -> r.matches(".* records=[012] .*")), ticketRequests + "");
                assertTrue(ticketRequests.stream().anyMatch(r -> r.contains(" records=2 ")), ticketRequests + "");
                List<String> registrationRequests = reconcileRequests(tito, logged, "/registrations?");
                assertTrue(registrationRequests.stream().allMatch(r -> r.matches(".* records=[01] .*")),
                        registrationRequests + "");
                // The void ticket and the cancelled registration were emailed about, once each, however many passes
                // found them again (within the overlap); the renamed ticket was not.
                List<String> emails = TestRelay.files(outbox).stream().map(f -> f.getFileName().toString()).toList();
                assertEquals(2, emails.size(), emails + "");
                assertEquals(1, emails.stream().filter(e -> e.contains("reconciled.ticket.voided")).count(), emails + "");
                assertEquals(1, emails.stream().filter(e -> e.contains("reconciled.registration.cancelled")).count(),
                        emails + "");
                assertTrue(Files.readString(TestRelay.files(outbox).get(0)).contains("reconcil"),
                        "the email says it was found by reconciliation");
            }
        }
    }

    private static List<String> reconcileRequests(TitoApiEmulator tito, int after, String list) {
        List<String> log = tito.requestLog();
        return log.subList(after, log.size()).stream()
                .filter(l -> l.contains(list) && l.contains("search[updated_at][gte]")).toList();
    }
}
