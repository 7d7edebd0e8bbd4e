package titorelay.tito;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import titorelay.support.RelayProcess;
import titorelay.support.TestRelay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A relay killed in the middle of a backfill resumes after the last page that reached the sheet. */
class TitoApiRestartTest {

    private static final int TICKETS = 2_500; // three pages of 1,000

    @TempDir
    Path work;

    @Test
    void aBackfillKilledBetweenPagesResumesAndLeavesTheSheetComplete() throws Exception {
        killAtPageTwoAndResume(false);
    }

    /**
     * A progress file an older version wrote says which page was done but not the second its last ticket was created
     * in: the resumed backfill cannot tell whether the boundary split an order, so it lists the second of the first
     * ticket of the page it resumes at. Without that, ticket 1001 would never reach the sheet.
     */
    @Test
    void aBackfillResumedFromAnOlderVersionsProgressFileListsTheSecondItResumesIn() throws Exception {
        killAtPageTwoAndResume(true);
    }

    private void killAtPageTwoAndResume(boolean asAnOlderVersionKeptIt) throws Exception {
        Path data = work.resolve("data");
        try (TitoApiEmulator tito = TitoApiEmulator.start(ApiFacts.ACCOUNT, ApiFacts.TOKEN)) {
            // Orders of three tickets, in an order among themselves that changes from page to page: the boundary at
            // which the relay is killed splits one (tickets 999 to 1001), whose second the second run lists whole.
            tito.generate(ApiFacts.EVENT, TICKETS, 3, Instant.parse("2022-03-26T07:36:27Z"));
            tito.orderTiesDifferentlyOnEachPage();
            int registrations = tito.event(ApiFacts.EVENT).registrations.size();
            tito.holdWhen(request -> request.contains("/tickets?") && request.contains("page[number]=2"));
            Map<String, String> settings = ApiFacts.apiSettings(tito, "0");

            try (RelayProcess relay = RelayProcess.start(data, "first", settings)) {
                TestRelay.await("the request for the second page", Duration.ofSeconds(30), () -> tito.held() == 1);
                assertEquals(1000, ApiFacts.rows(data, "Tickets").size(), "the first page is in the sheet");
                String progress = Files.readString(data.resolve("tito-api/progress.properties"));
                assertTrue(progress.contains("tickets.last-page=1"), progress);
                assertTrue(progress.contains("tickets.last-page-ends=2022-03-26T07\\:28\\:06Z"), progress);
                assertEquals(RelayProcess.KILLED_BY_SIGKILL, relay.kill());
            }
            if (asAnOlderVersionKeptIt) {
                Path progress = data.resolve("tito-api/progress.properties");
                List<String> lines = Files.readAllLines(progress).stream()
                        .filter(line -> !line.startsWith("awesomeconf.tickets.last-page-ends=")).toList();
                assertEquals(Files.readAllLines(progress).size() - 1, lines.size(), "the line was there to remove");
                Files.write(progress, lines);
            }
            tito.releaseHeld();
            assertEquals(1, tito.requestLog().stream().filter(l -> l.contains("page[number]=1") && l.contains("/tickets?"))
                    .count());

            try (RelayProcess relay = RelayProcess.start(data, "second", settings)) {
                TestRelay.await("the backfill done", Duration.ofSeconds(30),
                        () -> TestRelay.uncheck(() -> relay.metric("tito_api_last_reconcile_seconds") > 0));
                assertTrue(relay.logLines().stream().anyMatch(l -> l.contains("tickets from page 2")),
                        "the second run resumed at page 2");
            }
            // Resumed, not redone: page 1 was asked for once, by the first run; the second run listed the split
            // order's second (and the one page 2 and 3 split), as page 1 had kept when its last ticket was created.
            assertEquals(1, tito.requestLog().stream().filter(l -> l.contains("page[number]=1") && l.contains("/tickets?")
                    && !l.contains("search[created_at]")).count(), String.join("\n", tito.requestLog()));
            assertEquals(List.of("2022-03-26T07:28:06+UTC", "2022-03-26T07:33:39+UTC"), tito.requestLog().stream()
                    .filter(l -> l.contains("/tickets?") && l.contains("search[created_at][gte]="))
                    .map(l -> l.replaceAll(".*search\\[created_at\\]\\[gte\\]=([^& ]*).*", "$1")).toList());
            Set<String> expected = new HashSet<>();
            for (int i = 0; i < TICKETS; i++) {
                expected.add("ti_" + ApiFacts.EVENT + "_" + i);
            }
            assertEquals(expected, ApiFacts.rows(data, "Tickets").keySet());
            assertEquals(registrations, ApiFacts.rows(data, "Registrations").size());
            assertTrue(Files.readString(data.resolve("tito-api/progress.properties")).contains("reconciled-until"));
        }
    }
}
