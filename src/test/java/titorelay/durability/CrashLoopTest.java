package titorelay.durability;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;

import com.icegreen.greenmail.util.GreenMail;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import titorelay.inbox.InboxJournal;
import titorelay.sheets.SheetsEmulator;
import titorelay.support.Observed;
import titorelay.support.RelayProcess;
import titorelay.support.Scenario;
import titorelay.support.SinkSettings;
import titorelay.support.SmtpServer;
import titorelay.support.TestRelay;
import titorelay.support.TitoSender;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The promise, under the worst conditions: while a Tito-like sender delivers (retrying whatever was not answered
 * 2xx), the relay is SIGKILLed at random moments and restarted. At the end the spreadsheet holds exactly the
 * expected rows and the organizers every expected email: nothing lost, nothing doubled, except that an email whose
 * sending a kill interrupted after the SMTP server accepted it is sent again (same Message-ID).
 */
class CrashLoopTest {

    private static final long SEED = Long.getLong("crash.seed", 20261126L);
    private static final int KILLS = 5;

    @TempDir
    Path work;

    @Test
    void randomKillsLoseAndDoubleNothing() throws Exception {
        System.out.println("CrashLoopTest seed " + SEED + " (rerun with -Dcrash.seed=" + SEED + ")");
        Random random = new Random(SEED);
        Scenario scenario = new Scenario(SEED, 1800, 250, 300, 550);
        System.out.printf("CrashLoopTest: %d deliveries, %d emails expected%n", scenario.deliveries.size(),
                scenario.emailed.size());

        int smtpPort = TestRelay.freePort();
        GreenMail smtp = SmtpServer.on(smtpPort);
        smtp.start();
        AtomicReference<RelayProcess> relay = new AtomicReference<>();
        try (SheetsEmulator google = SheetsEmulator.start()) {
            google.createSpreadsheet("crash-sheet");
            Path dataDir = work.resolve("data");
            Map<String, String> settings = SinkSettings.emulatorAndSmtp(google, "crash-sheet", smtpPort);
            settings.put("relay.dispatch.redelivery-delay-ms", "100");
            settings.put("camel.health.exposure-level", "full"); // the dead letters check's message, below
            int port = TestRelay.freePort();
            int managementPort = TestRelay.freePort();
            relay.set(RelayProcess.start(dataDir, "run0", settings, port, managementPort));
            List<String> runs = new CopyOnWriteArrayList<>(List.of(relay.get().name()));
            List<String> killed = new CopyOnWriteArrayList<>();

            TitoSender sender = new TitoSender(() -> port, TestRelay.TOKEN);
            // The kills run beside the sender; a restart that fails (the relay not healthy, with its log) fails the
            // test at once instead of leaving the sender to retry against no relay.
            long sendingFrom = System.nanoTime();
            TestRelay.runTogether("killer", () -> {
                for (int kill = 1; kill <= KILLS; kill++) {
                    Thread.sleep(1000 + random.nextInt(2500));
                    killed.add(relay.get().name());
                    assertEquals(RelayProcess.KILLED_BY_SIGKILL, relay.get().kill(),
                            "kill " + kill + " landed on a running relay");
                    System.out.printf("CrashLoopTest: kill %d at %.1f s, after %d attempts to send, %d deliveries in"
                                      + " the inbox%n", kill, (System.nanoTime() - sendingFrom) / 1e9, sender.attempts(),
                            InboxJournal.waitingIn(dataDir.resolve("inbox-journal")).size());
                    relay.set(RelayProcess.start(dataDir, "run" + kill, settings, port, managementPort));
                    runs.add(relay.get().name());
                }
                return null;
            }, "sender", () -> {
                sender.sendAll(scenario.deliveries, 8);
                return null;
            });
            long acknowledgedAt = System.nanoTime();
            System.out.printf("CrashLoopTest: all acknowledged after %d attempts, %d kills, in %.1f s%n",
                    sender.attempts(), KILLS, (acknowledgedAt - sendingFrom) / 1e9);

            try (RelayProcess last = relay.get()) {
                TestRelay.await("the sheet and the inbox to settle", Duration.ofSeconds(120), () ->
                        Observed.ticketsIn(Observed.gridOrEmpty(google, "crash-sheet", "Tickets")).equals(scenario.tickets)
                        && Observed.registrationsIn(Observed.gridOrEmpty(google, "crash-sheet", "Registrations"))
                                .equals(scenario.registrations)
                        && smtp.getReceivedMessages().length >= scenario.emailed.size());
                System.out.printf("CrashLoopTest: the sheet and the emails complete %.1f s after the last 2xx%n",
                        (System.nanoTime() - acknowledgedAt) / 1e9);
                // A later sentinel (a name no sink acts on) dispatched, and nothing in flight: every earlier delivery
                // (all taken before the sentinel, in journal order) is done, so no row or email can still come.
                double unrouted = last.metric("tito_webhooks_unrouted_total");
                sender.send(new TitoSender.Delivery("crash.sentinel",
                        "{\"sentinel\":true}".getBytes(java.nio.charset.StandardCharsets.UTF_8)));
                TestRelay.await("the sentinel to be dispatched and the inbox to drain", Duration.ofSeconds(60),
                        () -> TestRelay.uncheck(() -> last.metric("tito_webhooks_unrouted_total") == unrouted + 1)
                              && TestRelay.uncheck(() -> last.metric("tito_dispatch_in_flight") == 0));
                assertEquals(scenario.tickets, Observed.ticketsIn(google.grid("crash-sheet", "Tickets")));
                assertEquals(scenario.registrations,
                        Observed.registrationsIn(google.grid("crash-sheet", "Registrations")));
                Map<String, List<String>> senders = Observed.sendersByMessageId(smtp.getReceivedMessages());
                assertEquals(new TreeSet<>(scenario.emailed), new TreeSet<>(senders.keySet()),
                        "every expected email, and no other");
                assertEquals(Set.of(), senders.values().stream().flatMap(List::stream).filter(run -> !runs.contains(run))
                        .collect(Collectors.toSet()), "each copy names the run that sent it, one of " + runs);
                // SMTP cannot be undone or asked: a kill in the instant between the server accepting an email and
                // the relay recording it sends that email again after the restart, with the same Message-ID (so
                // mail programs show it once). Only that may repeat: each copy but an email's last from a run then
                // killed, each kill explaining one copy at most. (Two kills can each fall in that instant of the
                // same email, the second while it is sent again after the first restart: a CI run saw one email
                // three times, beside another twice.)
                Map<String, List<String>> repeated = Observed.assertRepeatsOnlyAcrossKills(senders, killed);
                System.out.printf("CrashLoopTest: %d email(s) received more than once (same Message-ID), sent by %s%n",
                        repeated.size(), repeated.values());
                assertTrue(last.health().contains("No dead letters"), last.health());
            }
        } finally {
            if (relay.get() != null) {
                relay.get().close(); // also when the test failed before the end
            }
            smtp.stop();
        }
    }
}
