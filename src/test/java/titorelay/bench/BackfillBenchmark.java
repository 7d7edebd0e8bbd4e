package titorelay.bench;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;

import titorelay.sheets.SheetsEmulator;
import titorelay.support.TestRelay;
import titorelay.tito.TitoApiEmulator;

/**
 * The first backfill of a large event: the built relay (a separate JVM, -Xmx256m) pages through the Tito API
 * emulator's tickets and registrations into the Sheets v4 emulator. Measures the time from the relay's start to the
 * end of its backfill, the API and sheet requests, and the relay's peak RSS. Run by bench/backfill; prints Markdown.
 */
public final class BackfillBenchmark {

    private static final String SPREADSHEET = "bench-sheet";

    public static void main(String[] args) throws Exception {
        int tickets = args.length > 0 ? Integer.parseInt(args[0]) : 20_000;
        long flushIntervalMs = 1_000;
        Path work = BenchRelay.workDirectory("backfill-bench");
        int managementPort = TestRelay.freePort();

        try (SheetsEmulator google = SheetsEmulator.start();
             TitoApiEmulator tito = TitoApiEmulator.start("bench", "bench-api-token")) {
            google.createSpreadsheet(SPREADSHEET);
            tito.generate("bigconf", tickets, Instant.parse("2026-01-10T09:00:00Z"));
            int registrations = tito.event("bigconf").registrationCount();
            long start = System.nanoTime();
            ProcessBuilder command = new ProcessBuilder("java", "-Xmx256m",
                    "-Dcamel.server.port=" + TestRelay.freePort(),
                    "-Dcamel.management.port=" + managementPort,
                    "-Drelay.data-dir=" + work.resolve("data"),
                    "-Dtito.security-tokens=bench-token",
                    "-Dsheets.spreadsheet-id=" + SPREADSHEET,
                    "-Dsheets.root-url=" + google.rootUrl(),
                    "-Dsheets.access-token=bench",
                    "-Dsheets.flush-interval-ms=" + flushIntervalMs,
                    "-Dtito.api-url=" + tito.apiUrl(),
                    "-Dtito.account=bench",
                    "-Dtito.events=bigconf",
                    "-Dtito.reconcile-interval-ms=0",
                    "-jar", "target/tito-relay.jar")
                    .redirectErrorStream(true).redirectOutput(work.resolve("relay.log").toFile());
            // The token as an operator gives it: in the environment, never on the command line.
            command.environment().put("TITO_API_TOKEN", "bench-api-token");
            Process relay = command.start();
            try {
                HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
                URI metrics = URI.create("http://127.0.0.1:" + managementPort + "/observe/metrics");
                long peakRss = 0;
                while (true) {
                    peakRss = Math.max(peakRss, peakRssKb(relay));
                    if (!relay.isAlive()) {
                        throw new IllegalStateException("the relay exited; see " + work.resolve("relay.log"));
                    }
                    if (System.nanoTime() - start > Duration.ofMinutes(5).toNanos()) {
                        throw new IllegalStateException("no backfill within 5 minutes; see " + work.resolve("relay.log"));
                    }
                    try {
                        String text = client.send(HttpRequest.newBuilder(metrics).build(),
                                HttpResponse.BodyHandlers.ofString()).body();
                        if (text.lines().anyMatch(l -> l.startsWith("tito_api_last_reconcile_seconds ")
                                                       && !l.endsWith(" 0.0"))) {
                            break;
                        }
                    } catch (java.io.IOException notYet) {
                        // starting
                    }
                    Thread.sleep(100);
                }
                double seconds = (System.nanoTime() - start) / 1e9;
                peakRss = Math.max(peakRss, peakRssKb(relay));
                int rows = google.grid(SPREADSHEET, "Tickets").size() - 1;
                int registrationRows = google.grid(SPREADSHEET, "Registrations").size() - 1;
                int writes = google.writeRequests();
                long intervals = (long) (seconds * 1000 / flushIntervalMs) + 1;
                int apiRequests = tito.served("", 0);
                System.out.println("| measure | value |");
                System.out.println("|---|---|");
                System.out.printf("| event | %d tickets (every state, void and archived included), %d registrations |%n",
                        tickets, registrations);
                System.out.printf("| rows in the sheet after the backfill | %d tickets, %d registrations |%n", rows,
                        registrationRows);
                System.out.printf("| relay start to backfill done | %.1f s |%n", seconds);
                System.out.printf("| Tito API requests | %d (pages of 1,000) |%n", apiRequests);
                System.out.printf("| sheet write requests | %d, and %d to grow the tabs' grids (read requests %d) |%n", writes,
                        google.appendDimensions(), google.readRequests());
                System.out.printf("| peak RSS of the relay (-Xmx256m) | %d MB |%n", peakRss / 1024);
                System.out.println();
                System.out.println("| target | measured | met |");
                System.out.println("|---|---|---|");
                System.out.printf("| backfill of %,d tickets under 60 s | %.1f s | %s |%n", tickets, seconds,
                        seconds < 60 ? "met" : "NOT met");
                System.out.printf("| peak RSS under 400 MB | %d MB | %s |%n", peakRss / 1024,
                        peakRss / 1024 < 400 ? "met" : "NOT met");
                System.out.printf("| at most one sheet write per flush interval | %d writes in %d intervals | %s |%n",
                        writes, intervals, writes <= intervals ? "met" : "NOT met");
                System.out.printf("| every record in the sheet | %s |  %s |%n", rows == tickets && registrationRows
                        == registrations ? "yes" : "no", rows == tickets && registrationRows == registrations ? "met"
                        : "NOT met");
            } finally {
                relay.destroy();
                relay.waitFor();
            }
        }
    }

    /** VmHWM: the process's peak resident set size so far, in kB (Linux). */
    private static long peakRssKb(Process process) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", String.valueOf(process.pid()), "status"))) {
                if (line.startsWith("VmHWM:")) {
                    return Long.parseLong(line.replaceAll("\\D", ""));
                }
            }
        } catch (java.io.IOException | RuntimeException gone) {
            // exited
        }
        return 0;
    }
}
