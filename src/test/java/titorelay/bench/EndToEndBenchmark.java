package titorelay.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import titorelay.sheets.SheetsEmulator;
import titorelay.support.TestRelay;
import titorelay.support.Tickets;

/**
 * What an organizer sees: webhooks to rows with dispatch running, in the built relay (a separate JVM with jvm.options,
 * local defaults otherwise). wrk POSTs signed ticket webhooks, each a distinct ticket, for a sustained phase; the
 * relay's own metrics are sampled every second (acknowledged: committed to the journal; processed: through every
 * sink), and the phase ends when the last acknowledged delivery is processed. Also measured in the same run: the
 * verify-only baseline route (bench/baseline-route.yaml), per-thread CPU time from /proc (ingress threads, dispatch
 * and sink threads, the JVM's own), peak RSS, start to health UP. Against the CSV sheet, or the Sheets emulator with
 * "google". Prints Markdown for bench/run.
 */
public final class EndToEndBenchmark {

    private static final int TICK_MICROS = 10_000; // /proc counts CPU time in ticks of 10 ms
    private static final String SPREADSHEET = "bench-sheet";
    /**
     * Webhooks before the measured load, long enough for the JIT compiler to be done with dispatch's code: with 5 s,
     * the delivery log's store (MVStore's map updates, about 5 s of compiler time) was still being compiled well
     * into the measured window, a cost each start pays once, not a steady state.
     */
    private static final int WARM_UP_SECONDS = 15;

    public static void main(String[] args) throws Exception {
        run(args.length > 0 ? Integer.parseInt(args[0]) : 30, args.length > 1 ? Integer.parseInt(args[1]) : 32,
                args.length > 2 && args[2].equals("google"), BenchInbox.journal());
    }

    /** The measurements, against a relay keeping webhooks in {@code inbox}. */
    static void run(int seconds, int connections, boolean google, BenchInbox inbox) throws Exception {
        Path work = BenchRelay.workDirectory("end-to-end-bench");
        // Distinct tickets: more than the relay can take in the phase, so that none is sent twice (with the delivery
        // log off it took 9,642/s on 2026-12-08, past the 9,000 a second this was then: wrk sent the file again).
        int perSecond = 14_000;
        Path warmUpWebhooks = work.resolve("warm-up.tsv");
        Path webhooks = work.resolve("webhooks.tsv");
        BenchRelay.writeSignedWebhooks(warmUpWebhooks, WARM_UP_SECONDS * perSecond, i -> name(i), i -> ticket("warm_" + i));
        BenchRelay.writeSignedWebhooks(webhooks, perSecond * seconds, i -> name(i), i -> ticket("bench_" + i));

        try (SheetsEmulator sheets = google ? SheetsEmulator.start() : null) {
            int port = TestRelay.freePort();
            int managementPort = TestRelay.freePort();
            List<String> settings = new ArrayList<>(List.of(
                    "camel.server.port=" + port,
                    "camel.management.port=" + managementPort,
                    "relay.data-dir=" + work.resolve("data"),
                    "tito.security-tokens=" + BenchRelay.TOKEN,
                    "camel.main.routes-include-pattern=file:routes/*.yaml,file:bench/baseline-route.yaml",
                    "camel.main.routes-reload-enabled=false"));
            // Extra settings for an experiment, e.g. BENCH_SETTINGS="relay.dispatch.max-in-flight=10000 sheets.max-waiting=10000".
            String extra = System.getenv().getOrDefault("BENCH_SETTINGS", "").strip();
            if (!extra.isEmpty()) {
                settings.addAll(List.of(extra.split("\\s+")));
            }
            settings.addAll(inbox.settings());
            if (google) {
                sheets.createSpreadsheet(SPREADSHEET);
                settings.addAll(List.of("sheets.spreadsheet-id=" + SPREADSHEET, "sheets.root-url=" + sheets.rootUrl(),
                        "sheets.access-token=bench"));
            }
            long launched = System.nanoTime();
            Process relay = BenchRelay.start(work, settings);
            try {
                double startSeconds = BenchRelay.awaitHealthy(managementPort, launched);
                String base = "http://127.0.0.1:" + port;
                // Warm-up of both routes (the JIT compiler), then the warm-up's deliveries all processed.
                BenchRelay.wrk(base + "/bench/verify-only", warmUpWebhooks, 5, connections);
                BenchRelay.wrk(base + "/webhooks/tito", warmUpWebhooks, WARM_UP_SECONDS, connections);
                long warmUp = acknowledged(managementPort, inbox);
                awaitProcessed(managementPort, warmUp);
                Map<String, Object> baseline = BenchRelay.wrk(base + "/bench/verify-only", webhooks, 10, connections);

                Sampler sampler = new Sampler(managementPort, inbox.acknowledgedMetric());
                Map<String, long[]> ticksBefore = BenchRelay.threadTicks(relay.pid());
                long loadStart = System.nanoTime();
                sampler.start();
                Map<String, Object> durable = BenchRelay.wrk(base + "/webhooks/tito", webhooks, seconds, connections);
                long loadEnd = System.nanoTime();
                // The relay's count: a request wrk gave up on at the end of its phase may still have been stored.
                long acknowledged = acknowledged(managementPort, inbox) - warmUp;
                awaitProcessed(managementPort, warmUp + acknowledged);
                long drained = System.nanoTime();
                sampler.stop();
                Map<String, long[]> ticksAfter = BenchRelay.threadTicks(relay.pid());
                long peakRssKb = BenchRelay.peakRssKb(relay.pid());
                long rows = google ? sheets.grid(SPREADSHEET, "Tickets").size() - 1
                        : Files.readAllLines(work.resolve("data/sheets/Tickets.csv")).size() - 1;

                // From the first webhook acknowledged, not from wrk's launch: wrk first reads its file of signed
                // webhooks (about 500 MB for 30 s), which takes seconds in which nothing is sent.
                long firstAck = sampler.firstAcknowledged(loadStart);
                double loadSeconds = (loadEnd - firstAck) / 1e9;
                double endToEndSeconds = (drained - firstAck) / 1e9;
                // Processed per second from a third of the load to its end, from the samples: the steady state, without
                // the load's ramp (wrk's threads begin sending as each has read the webhooks' file).
                long[] third = sampleAt(sampler.backlog(), firstAck, loadSeconds / 3);
                long[] last = sampleAt(sampler.backlog(), firstAck, loadSeconds);
                double sustained = (last[3] - third[3]) / ((last[0] - third[0]) / 1e9);
                double acknowledgedRate = (last[2] - third[2]) / ((last[0] - third[0]) / 1e9);
                double ingestRate = BenchRelay.rate(durable);
                double baselineRate = BenchRelay.rate(baseline);
                long[] cpu = cpuMicros(ticksBefore, ticksAfter);
                double deliveries = acknowledged;
                List<long[]> backlog = sampler.backlog();
                long backlogThird = backlogAt(backlog, firstAck, loadSeconds / 3);
                long backlogEnd = backlogAt(backlog, firstAck, loadSeconds);

                System.out.println("| measure (" + inbox.label() + ", " + (google ? "Sheets emulator" : "CSV sheet") + ", " + connections
                                   + " connections, " + seconds + " s of load) | value |");
                System.out.println("|---|---|");
                System.out.printf("| verify-only baseline, same run | %.0f req/s |%n", baselineRate);
                System.out.printf("| ingest while dispatch runs | %.0f webhooks/s (%.2f of the baseline), p50 / p99 / max %s |%n",
                        ingestRate, ingestRate / baselineRate, BenchRelay.latencies(durable));
                System.out.printf("| processed during the load (sustained end to end), from 1/3 of the load to its end | %.0f deliveries/s (acknowledged meanwhile: %.0f/s) |%n",
                        sustained, acknowledgedRate);
                System.out.printf("| end to end, first POST to last row | %.0f deliveries/s (%d in %.1f s) |%n",
                        acknowledged / endToEndSeconds, acknowledged, endToEndSeconds);
                System.out.printf("| backlog (acknowledged - processed) at 1/3, 2/3 and the end of the load | %d, %d, %d |%n",
                        backlogThird, backlogAt(backlog, firstAck, 2 * loadSeconds / 3), backlogEnd);
                System.out.printf("| rows in the sheet / deliveries acknowledged (warm-up included) | %d / %d |%n", rows,
                        warmUp + acknowledged);
                System.out.printf("| non-2xx / socket errors | %s / %s |%n", durable.get("non2xx"), durable.get("socket_errors"));
                System.out.printf("| CPU per delivery: ingress (vert.x) / dispatch and sinks / JVM (GC, JIT) | %.0f / %.0f / %.0f µs |%n",
                        cpu[0] / deliveries, cpu[1] / deliveries, cpu[2] / deliveries);
                System.out.printf("| CPU per delivery: the delivery log's writer (part of dispatch and sinks) | %.0f µs"
                                  + " (events dropped: %.0f) |%n", cpu[3] / deliveries,
                        BenchRelay.metric(BenchRelay.metrics(managementPort), "tito_delivery_log_dropped_total"));
                System.out.printf("| CPU per delivery: of the JVM's, the garbage collector / the JIT compiler | %.0f / %.0f µs |%n",
                        cpu[4] / deliveries, cpu[5] / deliveries);
                System.out.printf("| relay peak RSS (%s) | %d MB |%n", BenchRelay.jvmLabel(), peakRssKb / 1024);
                System.out.printf("| process start to health UP | %.2f s |%n", startSeconds);
                System.out.println();
                System.out.println("| target | measured | met |");
                System.out.println("|---|---|---|");
                target("sustained end to end >= 5000 deliveries/s", String.format("%.0f/s", sustained), sustained >= 5000);
                target("backlog not growing over the load (end <= 1/3 + 1 s of deliveries)",
                        backlogThird + " then " + backlogEnd, backlogEnd <= backlogThird + sustained);
                // Each distinct ticket is one row; wrk starts its file again when it has sent it all.
                long distinct = Math.min(acknowledged, (long) perSecond * seconds);
                target("every acknowledged delivery a row", rows + " rows" + (distinct < acknowledged
                        ? " (wrk sent its " + distinct + " distinct webhooks more than once: make perSecond larger)" : ""),
                        rows == warmUp + acknowledged);
                target("dispatch CPU <= 100 µs per delivery", String.format("%.0f µs", cpu[1] / deliveries),
                        cpu[1] / deliveries <= 100);
                target("ingest while dispatch runs >= 0.35 x baseline", String.format("%.2f", ingestRate / baselineRate),
                        ingestRate >= 0.35 * baselineRate);
                target("peak RSS <= 400 MB", (peakRssKb / 1024) + " MB", peakRssKb <= 400 * 1024);
                target("start to health UP <= 3 s", String.format("%.2f s", startSeconds), startSeconds <= 3.0);
            } finally {
                relay.destroy();
                relay.waitFor();
            }
        }
    }

    private static String name(int i) {
        return i % 2 == 0 ? "ticket.completed" : "ticket.updated";
    }

    private static byte[] ticket(String slug) {
        return Tickets.ticket("ti_" + slug, "complete", "Person " + slug, "2022-03-26 08:00:00 UTC");
    }

    private static void target(String what, String measured, boolean met) {
        System.out.printf("| %s | %s | %s |%n", what, measured, met ? "met" : "NOT met");
    }

    private static double processed(int managementPort) throws Exception {
        String metrics = BenchRelay.metrics(managementPort);
        return BenchRelay.metric(metrics, "tito_webhooks_processed_total")
               + BenchRelay.metric(metrics, "tito_webhooks_duplicates_total");
    }

    /**
     * Deliveries stored in the inbox since start (each answered 2xx, or about to be), once the count has stopped
     * moving: requests wrk left in flight at the end of its phase still commit.
     */
    private static long acknowledged(int managementPort, BenchInbox inbox) throws Exception {
        long last = -1;
        long now = (long) BenchRelay.metric(BenchRelay.metrics(managementPort), inbox.acknowledgedMetric());
        while (now != last) {
            Thread.sleep(300);
            last = now;
            now = (long) BenchRelay.metric(BenchRelay.metrics(managementPort), inbox.acknowledgedMetric());
        }
        return now;
    }

    private static void awaitProcessed(int managementPort, long deliveries) throws Exception {
        long deadline = System.nanoTime() + 600_000_000_000L;
        while (processed(managementPort) < deliveries) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("not all " + deliveries + " deliveries processed within 10 minutes");
            }
            Thread.sleep(50);
        }
    }

    /**
     * CPU time over the phase, in µs: ingress (the Vert.x threads, and the inbox journal's committer, completer and
     * watchdog, whose names /proc cuts to "inbox-journal-c" and "-w", or the Kafka producer's sender,
     * "kafka-producer-"), the JVM's own, and all others (dispatch's journal reader "inbox-journal-d" or Kafka consumer,
     * the sinks, the delivery log's writer); then the delivery log's writer alone, and, of the JVM's share, the
     * garbage collector's threads and the JIT compiler's.
     */
    private static long[] cpuMicros(Map<String, long[]> before, Map<String, long[]> after) {
        long[] micros = new long[6];
        after.forEach((thread, ticks) -> {
            long used = (ticks[0] - before.getOrDefault(thread, new long[] {0})[0]) * TICK_MICROS;
            String name = thread.substring(thread.indexOf(' ') + 1);
            boolean ingress = name.startsWith("vert.x") || name.startsWith("inbox-journal-c")
                              || name.startsWith("inbox-journal-w") || name.startsWith("kafka-producer-");
            int kind = ingress ? 0 : jvm(name) ? 2 : 1;
            micros[kind] += used;
            if (name.startsWith("delivery-log-wr")) {
                micros[3] += used; // also counted in dispatch and sinks
            }
            if (name.startsWith("GC ") || name.startsWith("G1 ")) {
                micros[4] += used; // also counted in the JVM's
            } else if (name.startsWith("C1 ") || name.startsWith("C2 ")) {
                micros[5] += used; // also counted in the JVM's
            }
        });
        return micros;
    }

    private static boolean jvm(String thread) {
        return List.of("GC ", "G1 ", "C1 ", "C2 ", "VM ", "Sweeper", "Common-Cleaner", "Signal", "Finalizer",
                "Reference", "Service Thread", "Monitor Deflat", "Notification", "Attach").stream().anyMatch(thread::startsWith);
    }

    /** The backlog of the sample nearest {@code afterSeconds} into the load. */
    private static long backlogAt(List<long[]> samples, long loadStart, double afterSeconds) {
        return sampleAt(samples, loadStart, afterSeconds)[1];
    }

    /** The sample nearest to {@code afterSeconds} into the load: time, backlog, acknowledged, processed. */
    private static long[] sampleAt(List<long[]> samples, long loadStart, double afterSeconds) {
        long at = loadStart + (long) (afterSeconds * 1e9);
        return samples.stream().min(java.util.Comparator.comparingLong(s -> Math.abs(s[0] - at)))
                .orElse(new long[] {0, -1, 0, 0});
    }

    /**
     * Samples the relay's metrics every second: the time and acknowledged minus processed; every 50 ms until the first
     * webhook of the load is acknowledged, to know when the load began.
     */
    private static final class Sampler implements Runnable {
        private final int managementPort;
        private final String acknowledgedMetric;
        private final List<long[]> samples = new CopyOnWriteArrayList<>();
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final AtomicReference<Exception> failure = new AtomicReference<>();
        private volatile long firstAcknowledged;
        private Thread thread;

        Sampler(int managementPort, String acknowledgedMetric) {
            this.managementPort = managementPort;
            this.acknowledgedMetric = acknowledgedMetric;
        }

        void start() {
            thread = new Thread(this, "bench-sampler");
            thread.start();
        }

        void stop() throws Exception {
            running.set(false);
            thread.join();
            if (failure.get() != null) {
                throw failure.get();
            }
        }

        List<long[]> backlog() {
            return samples;
        }

        /** When the first webhook of the load was acknowledged (within 50 ms), or {@code otherwise}. */
        long firstAcknowledged(long otherwise) {
            return firstAcknowledged != 0 ? firstAcknowledged : otherwise;
        }

        @Override
        public void run() {
            try {
                double before = -1;
                while (running.get()) {
                    long now = System.nanoTime();
                    String metrics = BenchRelay.metrics(managementPort);
                    double acknowledged = BenchRelay.metric(metrics, acknowledgedMetric);
                    double processed = BenchRelay.metric(metrics, "tito_webhooks_processed_total")
                                       + BenchRelay.metric(metrics, "tito_webhooks_duplicates_total");
                    if (before < 0) {
                        before = acknowledged;
                    }
                    if (firstAcknowledged == 0 && acknowledged > before) {
                        firstAcknowledged = now;
                    }
                    if (firstAcknowledged != 0) {
                        samples.add(new long[] {now, (long) (acknowledged - processed), (long) acknowledged,
                                (long) processed});
                    }
                    Thread.sleep(firstAcknowledged == 0 ? 50 : 1000);
                }
            } catch (Exception e) {
                failure.set(e);
            }
        }
    }
}
