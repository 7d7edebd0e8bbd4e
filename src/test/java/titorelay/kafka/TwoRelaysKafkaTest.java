package titorelay.kafka;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.stream.Collectors;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.icegreen.greenmail.util.GreenMail;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import titorelay.dedupe.DatabaseServer;
import titorelay.sheets.SheetsEmulator;
import titorelay.support.DeliveryKeys;
import titorelay.support.KafkaBroker;
import titorelay.support.Observed;
import titorelay.support.RelayProcess;
import titorelay.support.Scenario;
import titorelay.support.SmtpServer;
import titorelay.support.TestRelay;
import titorelay.support.TitoSender;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Several relays on Kafka, the promise under the worst conditions: two relay processes share one inbox topic (3
 * partitions, one consumer group), one spreadsheet, one SMTP server and one dedupe database (an H2 server), behind a
 * round-robin load balancer whose failed attempts Tito-like retries send to the other relay. Each relay in turn is
 * SIGKILLed at a seeded random moment and started again, while deliveries arrive. At the end the spreadsheet holds
 * exactly the expected rows and the organizers every expected email once, except that an email whose sending a kill
 * interrupted after the SMTP server accepted it is sent again (same Message-ID), at most once per kill.
 */
class TwoRelaysKafkaTest {

    private static final long SEED = Long.getLong("crash.seed", 20261128L);
    private static final int KILLS_PER_RELAY = 2;
    private static final String TOPIC = "two-relays";
    private static final String SHEET = "two-relays-sheet";
    private static final ObjectMapper JSON = new ObjectMapper();

    @RegisterExtension
    static final KafkaBroker broker = KafkaBroker.shared();

    @RegisterExtension
    final DatabaseServer database = new DatabaseServer();

    @TempDir
    Path work;

    @Test
    void twoRelaysKilledInTurnLoseAndDoubleNothing() throws Exception {
        System.out.println("TwoRelaysKafkaTest seed " + SEED + " (rerun with -Dcrash.seed=" + SEED + ")");
        Random random = new Random(SEED);
        // 850 tickets updated twice, 10 of them voided, 40 registrations finished then cancelled, 210 repeats.
        Scenario scenario = new Scenario(SEED, 850, 10, 40, 210);
        assertEquals(2000, scenario.deliveries.size());
        assertEquals(40, scenario.deliveries.stream().filter(d -> d.name().equals("registration.cancelled"))
                .map(d -> new String(d.body(), StandardCharsets.UTF_8)).distinct().count(), "40 cancellations");
        assertEquals(50, scenario.emailed.size(), "40 cancellations and 10 voids emailed");

        broker.createTopic(TOPIC, 3);
        int smtpPort = TestRelay.freePort();
        GreenMail smtp = SmtpServer.on(smtpPort);
        smtp.start();
        try (SheetsEmulator google = SheetsEmulator.start();
             Relays relays = new Relays(work)) {
            google.createSpreadsheet(SHEET);
            Map<String, String> settings = SharedRelaySettings.of(broker, TOPIC, database, google, SHEET, smtpPort);
            settings.put("relay.dispatch.redelivery-delay-ms", "100");
            relays.startBoth(settings);

            // The load balancer: round robin over the two relays; an attempt that fails (a relay killed or starting)
            // is sent again by the sender, to the other relay.
            AtomicInteger turn = new AtomicInteger();
            TitoSender sender = new TitoSender(() -> relays.port(turn.getAndIncrement() % 2), TestRelay.TOKEN);
            long sendingFrom = System.nanoTime();
            // Deliveries arrive over the kills, not all before the first: 50 at a time, 4 connections, with pauses.
            TestRelay.runTogether("killer", () -> {
                for (int kill = 0; kill < 2 * KILLS_PER_RELAY; kill++) {
                    int victim = kill % 2;
                    Thread.sleep(1000 + random.nextInt(3000));
                    assertEquals(RelayProcess.KILLED_BY_SIGKILL, relays.kill(victim),
                            "kill " + (kill + 1) + " landed on a running relay");
                    System.out.printf("TwoRelaysKafkaTest: kill %d of relay %s at %.1f s, after %d attempts to send;"
                                      + " %d of %d records committed%n", kill + 1, Relays.NAMES[victim],
                            (System.nanoTime() - sendingFrom) / 1e9, sender.attempts(), committed(), endOffsets());
                    long restarting = System.nanoTime();
                    relays.restart(victim, settings, "run" + (kill / 2 + 1));
                    System.out.printf("TwoRelaysKafkaTest: relay %s healthy again after %.1f s%n", Relays.NAMES[victim],
                            (System.nanoTime() - restarting) / 1e9);
                }
                return null;
            }, "sender", () -> {
                for (int from = 0; from < scenario.deliveries.size(); from += 50) {
                    sender.sendAll(scenario.deliveries.subList(from, Math.min(from + 50, scenario.deliveries.size())), 4);
                    Thread.sleep(200);
                }
                return null;
            });
            long acknowledgedAt = System.nanoTime();
            System.out.printf("TwoRelaysKafkaTest: all acknowledged after %d attempts, %d kills, in %.1f s%n",
                    sender.attempts(), 2 * KILLS_PER_RELAY, (acknowledgedAt - sendingFrom) / 1e9);

            TestRelay.await("the sheet and the emails", Duration.ofSeconds(120), () ->
                    Observed.ticketsIn(Observed.gridOrEmpty(google, SHEET, "Tickets")).equals(scenario.tickets)
                    && Observed.registrationsIn(Observed.gridOrEmpty(google, SHEET, "Registrations"))
                            .equals(scenario.registrations)
                    && smtp.getReceivedMessages().length >= scenario.emailed.size());
            System.out.printf("TwoRelaysKafkaTest: the sheet and the emails complete %.1f s after the last 2xx%n",
                    (System.nanoTime() - acknowledgedAt) / 1e9);
            // A later sentinel (a name no sink acts on), in the same partition as every delivery (records are keyed
            // by spreadsheet), dispatched by either relay, and every offset committed: each earlier delivery is done,
            // so no row or email can still come.
            double unrouted = relays.sum("tito_webhooks_unrouted_total");
            sender.send(new TitoSender.Delivery("two.relays.sentinel", "{\"sentinel\":true}".getBytes(StandardCharsets.UTF_8)));
            TestRelay.await("the sentinel dispatched and every offset committed", Duration.ofSeconds(60),
                    () -> TestRelay.uncheck(() -> relays.sum("tito_webhooks_unrouted_total") >= unrouted + 1)
                          && committed() == endOffsets());

            assertEquals(scenario.tickets, Observed.ticketsIn(google.grid(SHEET, "Tickets")), "0 lost, 0 duplicate rows");
            assertEquals(scenario.registrations, Observed.registrationsIn(google.grid(SHEET, "Registrations")));
            Map<String, List<String>> senders = Observed.sendersByMessageId(smtp.getReceivedMessages());
            assertEquals(new TreeSet<>(scenario.emailed), new TreeSet<>(senders.keySet()), "every expected email, and no other");
            assertEquals(Set.of(), senders.values().stream().flatMap(List::stream)
                    .filter(run -> !relays.started.contains(run)).collect(Collectors.toSet()),
                    "each copy names the run that sent it, one of " + relays.started);
            // An email repeats only from a kill between the SMTP server accepting it and the relay recording it.
            Map<String, List<String>> repeated = Observed.assertRepeatsOnlyAcrossKills(senders, relays.killed);
            System.out.printf("TwoRelaysKafkaTest: %d email(s) received more than once (same Message-ID), sent by %s%n",
                    repeated.size(), repeated.values());

            // Both relays remembered in the one shared database, nowhere else: what was dispatched, each email sent,
            // and what each email was about.
            Set<String> expectedKeys = scenario.deliveries.stream().map(d -> DeliveryKeys.key(d.name(), d.body()))
                    .collect(Collectors.toCollection(TreeSet::new));
            assertTrue(database.keys("dispatch").containsAll(expectedKeys), "every delivery recorded as dispatched");
            assertEquals(scenario.emailed.stream().map(id -> id.substring(1, id.indexOf('.')))
                    .collect(Collectors.toCollection(TreeSet::new)), database.keys("organizer-email"));
            assertEquals(emailedAbout(scenario), database.keys("organizer-email-about"));
            for (String name : Relays.NAMES) {
                assertFalse(Files.exists(work.resolve(name).resolve("dedupe")), "no dedupe store of relay " + name + "'s own");
            }
            for (int relay = 0; relay < 2; relay++) {
                assertTrue(relays.health(relay).contains("No dead letters"), relays.health(relay));
            }
        } finally {
            smtp.stop();
            RelayProcess.keepLogs(work, "two-relays-logs");
        }
    }

    /** What each expected email is about: its webhook's name and the ticket's or registration's slug (a cancelled registration's tickets too). */
    private static Set<String> emailedAbout(Scenario scenario) throws Exception {
        Set<String> about = new TreeSet<>();
        for (TitoSender.Delivery delivery : scenario.deliveries) {
            if (delivery.name().equals("ticket.voided") || delivery.name().equals("registration.cancelled")) {
                about.add(delivery.name() + " " + JSON.readTree(delivery.body()).get("slug").asText());
            }
            if (delivery.name().equals("registration.cancelled")) { // and its tickets, which cancelling voids
                JSON.readTree(delivery.body()).path("tickets")
                        .forEach(ticket -> about.add("ticket.voided " + ticket.get("slug").asText()));
            }
        }
        return about;
    }

    private static long committed() {
        return broker.committed(TOPIC, TOPIC);
    }

    private static long endOffsets() {
        return broker.endOffsets(TOPIC);
    }

    /** The two relay processes, each on its own ports and data directory, found there again after a restart. */
    private static final class Relays implements AutoCloseable {
        static final String[] NAMES = {"a", "b"};

        private final Path work;
        private final AtomicReferenceArray<RelayProcess> running = new AtomicReferenceArray<>(2);
        private final int[] ports = new int[2];
        private final int[] managementPorts = new int[2];
        /** The runs started and killed, by name ("a-run0"): who sent each email is checked against them. */
        final List<String> started = new CopyOnWriteArrayList<>();
        final List<String> killed = new CopyOnWriteArrayList<>();

        Relays(Path work) throws Exception {
            this.work = work;
            for (int relay = 0; relay < 2; relay++) {
                ports[relay] = TestRelay.freePort();
                managementPorts[relay] = TestRelay.freePort();
            }
        }

        void startBoth(Map<String, String> settings) throws Exception {
            for (int relay = 0; relay < 2; relay++) {
                restart(relay, settings, "run0");
            }
        }

        void restart(int relay, Map<String, String> settings, String run) throws Exception {
            running.set(relay, RelayProcess.start(work.resolve(NAMES[relay]), run, settings, ports[relay],
                    managementPorts[relay]));
            started.add(running.get(relay).name());
        }

        int kill(int relay) throws InterruptedException {
            killed.add(process(relay).name());
            return process(relay).kill();
        }

        int port(int relay) {
            return ports[relay];
        }

        String health(int relay) throws Exception {
            return process(relay).health();
        }

        /** A metric added up over both relays (each counts since its last start). */
        double sum(String metric) throws Exception {
            return process(0).metric(metric) + process(1).metric(metric);
        }

        private RelayProcess process(int relay) {
            return running.get(relay);
        }

        @Override
        public void close() throws Exception {
            for (int relay = 0; relay < 2; relay++) {
                if (running.get(relay) != null) {
                    running.get(relay).close();
                }
            }
        }
    }
}
