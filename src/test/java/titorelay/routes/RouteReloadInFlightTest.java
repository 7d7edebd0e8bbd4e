package titorelay.routes;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.apache.camel.Route;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import titorelay.inbox.StoredDelivery;
import titorelay.support.TestRelay;
import titorelay.support.Tickets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static titorelay.support.TestRelay.await;

/**
 * dispatch.yaml reloaded while deliveries wait for the spreadsheet: each delivery's file stays in the inbox until its
 * row is written, and each row is written once. The spreadsheet waits longer than a route may take to stop, as it
 * does while Google is retried with long back-offs, so the reloaded dispatch starts while they are still in flight.
 */
class RouteReloadInFlightTest {

    private static final int WAITING = 5;
    private static final long FLUSH_INTERVAL_MS = 6_000;

    @TempDir
    Path work;

    @Test
    void deliveriesWaitingForTheSheetStayInTheInboxAcrossAReloadAndAreWrittenOnce() throws Exception {
        // The real route files, copied so that the test can edit them.
        Path routes = TestRelay.copyOf(Path.of("routes"), work.resolve("routes"));
        Path data = work.resolve("data");
        Map<String, String> settings = Map.of(
                "camel.main.routes-include-pattern", "file:" + routes + "/*.yaml",
                "camel.main.routes-reload-directory", routes.toString(),
                "sheets.csv-flush-interval-ms", String.valueOf(FLUSH_INTERVAL_MS),
                "camel.main.shutdown-timeout", "1");
        Path csv = data.resolve("sheets/Tickets.csv");

        try (TestRelay relay = TestRelay.start(data, settings)) {
            // A first row, written at once: the next ones wait for the next flush, FLUSH_INTERVAL_MS later.
            assertEquals(202, relay.send("ticket.updated", Tickets.ticket("reload-first", "complete", "First", "2026-11-27T10:00:00Z")).status());
            await("the first row", Duration.ofSeconds(10), () -> rows(csv, "reload-first") == 1 && relay.inbox().isEmpty());

            for (int i = 0; i < WAITING; i++) {
                assertEquals(202, relay.send("ticket.updated",
                        Tickets.ticket("reload-" + i, "complete", "Waiting " + i, "2026-11-27T10:00:00Z")).status());
            }
            await("every delivery in flight, waiting for the sheet", Duration.ofSeconds(5),
                    () -> relay.camelContext().getInflightRepository().size("dispatch") == WAITING);
            List<StoredDelivery> inFlight = relay.inbox();
            assertEquals(WAITING, inFlight.size());
            Map<String, String> slugOf = new LinkedHashMap<>();
            for (StoredDelivery delivery : inFlight) {
                String envelope = new String(delivery.envelope(), StandardCharsets.UTF_8);
                for (int i = 0; i < WAITING; i++) {
                    if (envelope.contains("\"reload-" + i + "\"")) {
                        slugOf.put(delivery.name(), "reload-" + i);
                    }
                }
            }
            assertEquals(WAITING, slugOf.size());
            assertTrue(rows(csv, "reload-0") == 0, "the rows wait for the next flush");

            Route before = relay.camelContext().getRoute("dispatch");
            Path dispatch = routes.resolve("dispatch.yaml");
            // Any saved edit reloads the file; a comment changes nothing else.
            String edited = Files.readString(dispatch) + "\n# saved again by the test\n";
            // Replaced whole, as an editor saves it: the relay never reads a half-written route file.
            Files.move(Files.writeString(work.resolve("dispatch.yaml.edited"), edited), dispatch,
                    StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);

            // Until every row is written: a delivery no longer waiting in the inbox has its row in the sheet.
            List<String> violations = new ArrayList<>();
            boolean reloaded = false;
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (true) {
                Route now = relay.camelContext().getRoute("dispatch");
                reloaded |= now != null && now != before;
                List<String> stillWaiting = relay.inbox().stream().map(StoredDelivery::name).toList();
                for (Map.Entry<String, String> waiting : slugOf.entrySet()) {
                    if (!stillWaiting.contains(waiting.getKey()) && rows(csv, waiting.getValue()) == 0
                        && !violations.contains(waiting.getValue())) {
                        violations.add(waiting.getValue());
                    }
                }
                if (slugOf.values().stream().allMatch(slug -> rows(csv, slug) == 1)) {
                    break;
                }
                assertTrue(System.nanoTime() < deadline, "timed out waiting for the rows");
                Thread.sleep(10);
            }
            assertTrue(reloaded || relay.camelContext().getRoute("dispatch") != before, "dispatch.yaml was reloaded");
            assertEquals(List.of(), violations, "deliveries that left the inbox before their row was written");

            // A sentinel through the reloaded dispatch, then: every row once, the inbox empty.
            assertNotSame(before, relay.camelContext().getRoute("dispatch"));
            assertEquals(202, relay.send("ticket.updated", Tickets.ticket("reload-last", "complete", "Last", "2026-11-27T10:00:00Z")).status());
            await("the sentinel row", Duration.ofSeconds(2 * FLUSH_INTERVAL_MS / 1000 + 5), () -> rows(csv, "reload-last") == 1);
            await("the inbox to drain", Duration.ofSeconds(5), () -> relay.inbox().isEmpty());
            for (String slug : slugOf.values()) {
                assertEquals(1, rows(csv, slug), slug);
            }
            assertEquals(0, relay.counter("tito_webhooks_duplicates_total"), "no delivery was taken for a repeat");
        }
    }

    /** Rows of the CSV tab whose Slug is this one. */
    private static int rows(Path csv, String slug) {
        try {
            if (!Files.exists(csv)) {
                return 0;
            }
            return (int) Files.readAllLines(csv).stream().filter(line -> line.startsWith(slug + ",")).count();
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
