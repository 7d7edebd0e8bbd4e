package titorelay.bench;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;

import titorelay.sheets.SheetsEmulator;
import titorelay.signature.TitoSignature;
import titorelay.support.TestRelay;
import titorelay.support.Tickets;

/**
 * A burst of distinct ticket webhooks into the built relay (a separate JVM, started as BenchRelay starts it) whose spreadsheet is the
 * Sheets v4 emulator: how many write requests the sheet took, and how long after the last 2xx the last row was in.
 * Run by bench/run (its second part); prints a Markdown table.
 */
public final class SheetBurstBenchmark {

    private static final String TOKEN = "bench-token";
    private static final String SPREADSHEET = "bench-sheet";

    public static void main(String[] args) throws Exception {
        int events = args.length > 0 ? Integer.parseInt(args[0]) : 10_000;
        int connections = args.length > 1 ? Integer.parseInt(args[1]) : 32;
        long flushIntervalMs = 1_000;
        Path work = BenchRelay.workDirectory("sheet-burst");
        int port = TestRelay.freePort();

        try (SheetsEmulator google = SheetsEmulator.start()) {
            google.createSpreadsheet(SPREADSHEET);
            Process relay = BenchRelay.start(work, List.of(
                    "camel.server.port=" + port,
                    "camel.management.port=" + TestRelay.freePort(),
                    "relay.data-dir=" + work.resolve("data"),
                    "tito.security-tokens=" + TOKEN,
                    "sheets.spreadsheet-id=" + SPREADSHEET,
                    "sheets.root-url=" + google.rootUrl(),
                    "sheets.access-token=bench",
                    "sheets.flush-interval-ms=" + flushIntervalMs));
            try {
                HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                        .connectTimeout(Duration.ofSeconds(5)).build();
                URI uri = URI.create("http://127.0.0.1:" + port + "/webhooks/tito");
                awaitListening(client, uri);

                List<byte[]> bodies = new ArrayList<>();
                for (int i = 0; i < events; i++) {
                    bodies.add(Tickets.ticket("ti_bench_" + i, "complete", "Person " + i, "2022-03-26 08:00:00 UTC"));
                }
                google.resetCounters();
                AtomicLong lastAck = new AtomicLong();
                AtomicLong errors = new AtomicLong();
                long start = System.nanoTime();
                ExecutorService senders = Executors.newFixedThreadPool(connections);
                List<Future<?>> sent = new ArrayList<>();
                for (byte[] body : bodies) {
                    sent.add(senders.submit(() -> {
                        HttpResponse<Void> answer = client.send(HttpRequest.newBuilder(uri)
                                .header("Content-Type", "application/json")
                                .header("X-Webhook-Name", "ticket.updated")
                                .header("Tito-Signature", TitoSignature.sign(TOKEN, body))
                                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(),
                                HttpResponse.BodyHandlers.discarding());
                        if (answer.statusCode() / 100 == 2) {
                            lastAck.accumulateAndGet(System.nanoTime(), Math::max);
                        } else {
                            errors.incrementAndGet();
                        }
                        return null;
                    }));
                }
                for (Future<?> f : sent) {
                    f.get();
                }
                senders.shutdown();
                long acked = System.nanoTime();
                while (google.grid(SPREADSHEET, "Tickets").size() < events + 1) {
                    Thread.sleep(20);
                    if (System.nanoTime() - acked > Duration.ofMinutes(5).toNanos()) {
                        throw new IllegalStateException("the sheet did not fill up within 5 minutes");
                    }
                }
                long lastRow = System.nanoTime();
                double ingestSeconds = (lastAck.get() - start) / 1e9;
                double lagSeconds = (lastRow - lastAck.get()) / 1e9;
                int writes = google.writeRequests();
                System.out.println("| measure | value |");
                System.out.println("|---|---|");
                System.out.printf("| events (distinct tickets) | %d |%n", events);
                System.out.printf("| sender connections | %d |%n", connections);
                System.out.printf("| non-2xx answers | %d |%n", errors.get());
                System.out.printf("| ingest (first request to last 2xx) | %.1f s (%.0f webhooks/s) |%n",
                        ingestSeconds, events / ingestSeconds);
                System.out.printf("| last 2xx to last row in the sheet | %.1f s |%n", lagSeconds);
                System.out.printf("| write requests used (flush interval %d ms) | %d (and %d to grow the tab's grid) |%n",
                        flushIntervalMs, writes, google.appendDimensions());
                System.out.printf("| read requests used | %d |%n", google.readRequests());
                System.out.printf("| one write request per event would need | %d (%.0f minutes at 60 writes/minute) |%n",
                        events, events / 60.0);
                long intervals = (lastRow - start) / 1_000_000 / flushIntervalMs + 1;
                System.out.println();
                System.out.println("| target | measured | met |");
                System.out.println("|---|---|---|");
                System.out.printf("| burst fully in the sheet within 30 s of the last 2xx | %.1f s | %s |%n", lagSeconds,
                        lagSeconds <= 30 ? "met" : "NOT met");
                System.out.printf("| at most one write request per flush interval | %d writes in %d intervals | %s |%n",
                        writes, intervals, writes <= intervals ? "met" : "NOT met");
            } finally {
                relay.destroy();
                relay.waitFor();
            }
        }
    }

    private static void awaitListening(HttpClient client, URI uri) throws Exception {
        for (int i = 0; i < 600; i++) {
            try {
                int status = client.send(HttpRequest.newBuilder(uri).GET().build(), HttpResponse.BodyHandlers.discarding())
                        .statusCode();
                if (status == 405) {
                    return; // the guard answers: the ingress is up
                }
            } catch (java.io.IOException notYet) {
                // starting
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException("the relay did not start");
    }
}
