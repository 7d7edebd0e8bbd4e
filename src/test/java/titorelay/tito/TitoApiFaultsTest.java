package titorelay.tito;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import titorelay.support.LogCapture;
import titorelay.support.TestRelay;
import titorelay.tito.ApiFacts.TicketFact;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Each fault of Tito's API, served by the emulator, and what the relay does about it. */
class TitoApiFaultsTest {

    private static final Instant SOLD = Instant.parse("2022-03-26T07:36:27Z");

    @TempDir
    Path work;

    private Map<String, String> settings(TitoApiEmulator tito, String... overrides) {
        Map<String, String> settings = new HashMap<>(ApiFacts.apiSettings(tito, "1000"));
        settings.put("camel.health.exposure-level", "full");
        for (int i = 0; i < overrides.length; i += 2) {
            settings.put(overrides[i], overrides[i + 1]);
        }
        return settings;
    }

    @Test
    void aRefusedTokenTurnsHealthDownNamingTheSettingWhileWebhooksAreStillDispatched() throws Exception {
        String wrongToken = "wrong-token-98765";
        try (TitoApiEmulator tito = TitoApiEmulator.start(ApiFacts.ACCOUNT, ApiFacts.TOKEN);
             LogCapture log = new LogCapture()) {
            tito.generate(ApiFacts.EVENT, 8, SOLD);
            try (TestRelay relay = TestRelay.start(work.resolve("data"), settings(tito, "tito.api-token", wrongToken))) {
                TestRelay.await("health DOWN on tito-api", Duration.ofSeconds(30),
                        () -> TestRelay.uncheck(() -> relay.health().contains("tito.api-token")));
                String health = relay.health();
                assertTrue(health.contains("\"DOWN\"") && health.contains("tito-api"), health);
                assertTrue(tito.served("/tickets", 401) >= 1, "the emulator answered 401");

                TicketFact fact = new TicketFact("ti_webhook", "complete", false, "Still Here", "reg_x", "IE", SOLD);
                ApiFacts.sendAll(relay, List.of("ticket.updated"), List.of(ApiFacts.webhook(fact)));
                assertEquals("Still Here", ApiFacts.rows(relay.dataDir(), "Tickets").get("ti_webhook").get("Name"));
                assertEquals(Map.of(), Map.copyOf(ApiFacts.rows(relay.dataDir(), "Registrations")));
            }
            assertTrue(log.lines().stream().anyMatch(l -> l.contains("ERROR") && l.contains("tito.api-token")));
            assertTrue(log.lines().stream().noneMatch(l -> l.contains(wrongToken) || l.contains(ApiFacts.TOKEN)),
                    "no log line shows a token");
        }
    }

    @Test
    void anUnknownEventTurnsHealthDownNamingTheSettings() throws Exception {
        try (TitoApiEmulator tito = TitoApiEmulator.start(ApiFacts.ACCOUNT, ApiFacts.TOKEN)) {
            tito.generate(ApiFacts.EVENT, 8, SOLD);
            try (TestRelay relay = TestRelay.start(work.resolve("data"), settings(tito, "tito.events", "no-such-event"))) {
                TestRelay.await("health DOWN on tito-api", Duration.ofSeconds(30),
                        () -> TestRelay.uncheck(() -> relay.health().contains("tito.events")));
                assertTrue(relay.health().contains("no-such-event"), relay.health());
                assertTrue(tito.served("/no-such-event/tickets", 404) >= 1, "the emulator answered 404");
            }
        }
    }

    @Test
    void rateLimitsAndServerErrorsAreRetriedHonouringRetryAfter() throws Exception {
        try (TitoApiEmulator tito = TitoApiEmulator.start(ApiFacts.ACCOUNT, ApiFacts.TOKEN)) {
            tito.generate(ApiFacts.EVENT, 8, SOLD);
            tito.failNext(1, 429, 2);
            tito.failNext(2, 500, 0);
            try (TestRelay relay = TestRelay.start(work.resolve("data"), settings(tito))) {
                TitoApiBackfillTest.awaitPass(relay);
                assertEquals(8, ApiFacts.rows(relay.dataDir(), "Tickets").size());
                assertTrue(relay.health().contains("\"UP\""), relay.health());
            }
            assertEquals(1, tito.served("/tickets", 429));
            assertEquals(2, tito.served("/tickets", 500));
            List<String> log = tito.requestLog();
            assertTrue(log.get(0).contains(" 429 ") && log.get(1).contains(" 500 "), String.join("\n", log));
            assertTrue(at(log.get(1)) - at(log.get(0)) >= 2000, "Retry-After: 2 was honoured\n" + String.join("\n", log));
            assertTrue(at(log.get(2)) - at(log.get(1)) >= 100, "then the doubling delay from 100 ms");
        }
    }

    @Test
    void aFailedPassChangesNothingAndIsTriedAgainAtTheNextInterval() throws Exception {
        try (TitoApiEmulator tito = TitoApiEmulator.start(ApiFacts.ACCOUNT, ApiFacts.TOKEN)) {
            tito.generate(ApiFacts.EVENT, 8, SOLD);
            tito.failNext(2, 500, 0); // the first attempt and its one retry
            AtomicInteger requests = new AtomicInteger();
            tito.holdWhen(request -> requests.incrementAndGet() > 2); // the next pass waits until the test has looked
            try (TestRelay relay = TestRelay.start(work.resolve("data"), settings(tito, "relay.tito-api.max-retries", "1"))) {
                TestRelay.await("the next pass", Duration.ofSeconds(30), () -> tito.held() == 1);
                assertEquals(2, tito.served("/tickets", 500));
                assertEquals(Map.of(), Map.copyOf(ApiFacts.rows(relay.dataDir(), "Tickets")));
                assertEquals(0, ApiFacts.metric(relay.metrics(), "tito_api_last_reconcile_seconds"));
                Path progress = relay.dataDir().resolve("tito-api/progress.properties");
                assertFalse(Files.exists(progress) && Files.readString(progress).contains("reconciled-until"));
                assertTrue(relay.health().contains("\"UP\""), "a transient failure is no setting to fix: " + relay.health());

                tito.releaseHeld();
                TitoApiBackfillTest.awaitPass(relay);
                assertEquals(8, ApiFacts.rows(relay.dataDir(), "Tickets").size());
                assertTrue(Files.readString(progress).contains("reconciled-until"));
            }
        }
    }

    @Test
    void aTokenWithoutAnAccountStopsTheStartNamingTheSetting() {
        Exception refused = org.junit.jupiter.api.Assertions.assertThrows(Exception.class, () -> TestRelay.start(
                work.resolve("data"), Map.of("tito.api-token", ApiFacts.TOKEN, "tito.events", ApiFacts.EVENT)).close());
        String message = String.valueOf(refused.getMessage()) + refused.getCause();
        assertTrue(message.contains("tito.account"), message);
        assertFalse(message.contains(ApiFacts.TOKEN), message);
    }

    private static long at(String logLine) {
        return Long.parseLong(logLine.substring(logLine.lastIndexOf("at=") + 3));
    }
}
