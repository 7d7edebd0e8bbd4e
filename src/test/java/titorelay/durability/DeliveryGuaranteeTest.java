package titorelay.durability;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import com.icegreen.greenmail.util.GreenMail;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import titorelay.sheets.SheetsEmulator;
import titorelay.support.Observed;
import titorelay.support.Scenario;
import titorelay.support.SmtpServer;
import titorelay.support.TestRelay;
import titorelay.support.TitoSender.Delivery;
import titorelay.support.TitoSender;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Repeats and sink outages, with the spreadsheet emulator and a real SMTP server: exact afterwards. */
class DeliveryGuaranteeTest {

    private static final long SEED = Long.getLong("guarantee.seed", 5L);
    private static final Duration FAULT_SHOWN = Duration.ofSeconds(20);

    @TempDir
    Path work;

    private int smtpPort;
    private GreenMail smtp;
    private SheetsEmulator google;
    private TestRelay relay;

    @BeforeEach
    void start() throws Exception {
        System.out.println("DeliveryGuaranteeTest seed " + SEED);
        smtpPort = TestRelay.freePort();
        smtp = SmtpServer.on(smtpPort);
        smtp.start();
        google = SheetsEmulator.start();
        google.createSpreadsheet("guarantee-sheet");
        Map<String, String> settings = new HashMap<>(Map.of(
                "sheets.spreadsheet-id", "guarantee-sheet",
                "sheets.root-url", google.rootUrl(),
                "sheets.access-token", "emulator",
                "sheets.timeout-ms", "1000",
                "sheets.max-backoff-ms", "1000",
                "mail.smtp.host", "127.0.0.1",
                "mail.smtp.port", String.valueOf(smtpPort),
                "mail.smtp.starttls", "false",
                "mail.smtp.timeout-ms", "1000",
                "mail.organizers", "organizers@example.org"));
        settings.put("relay.dispatch.redelivery-delay-ms", "200");
        relay = TestRelay.start(work.resolve("data"), settings);
    }

    @AfterEach
    void stop() throws Exception {
        relay.close();
        google.close();
        smtp.stop();
    }

    private void assertExactly(Scenario scenario) throws Exception {
        TestRelay.await("the sheet and the emails", Duration.ofSeconds(90), () ->
                Observed.ticketsIn(Observed.gridOrEmpty(google, "guarantee-sheet", "Tickets")).equals(scenario.tickets)
                && Observed.registrationsIn(Observed.gridOrEmpty(google, "guarantee-sheet", "Registrations"))
                        .equals(scenario.registrations)
                && smtp.getReceivedMessages().length >= scenario.emailed.size()
                && relay.inbox().isEmpty());
        // Nothing left in the inbox: every delivery is done, so no email or row can still come.
        Map<String, Integer> emails = Observed.countByMessageId(smtp.getReceivedMessages());
        assertEquals(scenario.emailed.size(), emails.size());
        assertTrue(emails.keySet().containsAll(scenario.emailed));
        assertEquals(List.of(), emails.values().stream().filter(n -> n > 1).toList(), "no email twice");
        assertEquals(List.of(), relay.deadLetters());
    }

    @Test
    void everyDeliverySentTwiceHalfOfThemConcurrentlyIsAppliedOnce() throws Exception {
        Scenario scenario = new Scenario(SEED, 200, 50, 50, 0);
        TitoSender sender = new TitoSender(relay::port, TestRelay.TOKEN);
        ExecutorService twins = Executors.newFixedThreadPool(16);
        try {
            List<Future<?>> sent = new ArrayList<>();
            for (int i = 0; i < scenario.deliveries.size(); i++) {
                Delivery delivery = scenario.deliveries.get(i);
                if (i % 2 == 0) {
                    // the original and its repeat at the same moment
                    sent.add(twins.submit(() -> { sender.send(delivery); return null; }));
                    sent.add(twins.submit(() -> { sender.send(delivery); return null; }));
                } else {
                    sent.add(twins.submit(() -> { sender.send(delivery); sender.send(delivery); return null; }));
                }
            }
            for (Future<?> f : sent) {
                f.get();
            }
        } finally {
            twins.shutdownNow();
        }
        assertExactly(scenario);
        assertTrue(relay.counter("tito_webhooks_duplicates_total") >= scenario.deliveries.size() / 2.0,
                "the repeats were seen as repeats");
    }

    @Test
    void sinkOutagesEndExactlyRightWithoutDeadLetters() throws Exception {
        Scenario scenario = new Scenario(SEED, 200, 50, 50, 20);
        google.failShare(0.3, 503, SEED);
        google.failNext(1, 503);
        smtp.stop();
        TitoSender sender = new TitoSender(relay::port, TestRelay.TOKEN);
        // The outages end on a timetable, beside the sender, each once it has shown (an email refused, a 503 and a
        // 429 served); if that fails (the SMTP port taken, a fault never served), the test says so.
        CompletableFuture<Void> recovery = CompletableFuture.runAsync(() -> {
            try {
                Thread.sleep(1500);
                TestRelay.await("an email failed while the SMTP server is down", FAULT_SHOWN,
                        () -> TestRelay.uncheck(() -> emailFailures() > 0));
                smtp = SmtpServer.on(smtpPort);
                smtp.start();
                Thread.sleep(1500);
                TestRelay.await("a 503 served", FAULT_SHOWN, () -> google.answered(503) > 0);
                google.failShare(0.3, 429, SEED + 1);
                google.failNext(1, 429);
                Thread.sleep(1500);
                TestRelay.await("a 429 served", FAULT_SHOWN, () -> google.answered(429) > 0);
                google.clearFaults();
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        sender.sendAll(scenario.deliveries, 8);
        recovery.get(3 * FAULT_SHOWN.toSeconds() + 10, TimeUnit.SECONDS);
        assertExactly(scenario);
    }

    private double emailFailures() throws Exception {
        return relay.counter("camel_exchanges_failed_total", "routeId=\"organizer-email\"");
    }
}
