package titorelay.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import titorelay.support.Samples;
import titorelay.support.TestRelay;

/**
 * Durable ingest against a baseline, in the same run and the same relay JVM (the built jar with jvm.options): wrk POSTs
 * correctly signed reference payloads, each body unique, first to a route that only verifies the signature and
 * checks the body, then answers 202 (bench/baseline-route.yaml), then to the real ingress, which answers 202 once the
 * webhook is fsync'd in the inbox journal. Both are warmed up first, so that neither is measured while the JIT
 * compiler still works on it. Dispatch is paused, so this measures what Tito sees; SheetBurstBenchmark measures the
 * way to the sheet. Prints Markdown rows for bench/run.
 */
public final class IngestBenchmark {

    private static final ObjectMapper JSON = new ObjectMapper();

    public static void main(String[] args) throws Exception {
        run(args.length > 0 ? Integer.parseInt(args[0]) : 10, args.length > 1 ? Integer.parseInt(args[1]) : 32,
                BenchInbox.journal());
    }

    /** The measurements, against a relay keeping webhooks in {@code inbox}. */
    static void run(int seconds, int connections, BenchInbox inbox) throws Exception {
        Path work = BenchRelay.workDirectory("ingest-bench");
        Path webhooks = work.resolve("webhooks.tsv");
        writeSignedWebhooks(webhooks, 12_000 * seconds);

        int port = TestRelay.freePort();
        int managementPort = TestRelay.freePort();
        long launched = System.nanoTime();
        List<String> settings = new ArrayList<>(List.of("camel.server.port=" + port,
                "camel.management.port=" + managementPort,
                "relay.data-dir=" + work.resolve("data"),
                "tito.security-tokens=" + BenchRelay.TOKEN,
                "relay.dispatch.auto-start=false",
                "camel.main.routes-include-pattern=file:routes/*.yaml,file:bench/baseline-route.yaml",
                "camel.main.routes-reload-enabled=false"));
        settings.addAll(inbox.settings());
        Process relay = BenchRelay.start(work, settings);
        try {
            double startSeconds = BenchRelay.awaitHealthy(managementPort, launched);
            String base = "http://127.0.0.1:" + port;
            // Warm-up of both routes, so that the JIT compiler is done with them before either is measured.
            int warmUp = 10;
            BenchRelay.wrk(base + "/webhooks/tito", webhooks, warmUp, connections);
            BenchRelay.wrk(base + "/bench/verify-only", webhooks, warmUp, connections);
            Map<String, Object> baseline = BenchRelay.wrk(base + "/bench/verify-only", webhooks, seconds, connections);
            double[] storedBefore = storeCounters(managementPort, inbox);
            Map<String, Object> durable = BenchRelay.wrk(base + "/webhooks/tito", webhooks, seconds, connections);
            double[] storedAfter = storeCounters(managementPort, inbox);
            double groups = storedAfter[0] - storedBefore[0];
            double stored = storedAfter[1] - storedBefore[1];
            long peakRssKb = BenchRelay.peakRssKb(relay.pid());
            long waiting = inbox.waiting().in(work.resolve("data"));

            double baselineRate = BenchRelay.rate(baseline);
            double durableRate = BenchRelay.rate(durable);
            System.out.println("| measure | baseline: verify only | durable ingress, " + inbox.label() + " |");
            System.out.println("|---|---|---|");
            System.out.printf("| acknowledged webhooks/s (%d connections, %d s) | %.0f | %.0f |%n", connections, seconds,
                    baselineRate, durableRate);
            System.out.printf("| ack latency p50 / p99 / max | %s | %s |%n", BenchRelay.latencies(baseline), BenchRelay.latencies(durable));
            System.out.printf("| non-2xx answers / socket errors | %s / %s | %s / %s |%n", baseline.get("non2xx"),
                    baseline.get("socket_errors"), durable.get("non2xx"), durable.get("socket_errors"));
            System.out.printf("| durable / baseline rate | | %.2f |%n", durableRate / baselineRate);
            System.out.printf("| %s | | %.0f for %.0f webhooks, %.1f webhooks each |%n", inbox.groupsName(),
                    groups, stored, stored / Math.max(1, groups));
            System.out.printf("| webhooks stored since start / waiting there for dispatch (paused) | | %.0f / %d |%n",
                    storedAfter[1], waiting);
            System.out.printf("| relay peak RSS (%s) | %d MB | |%n", BenchRelay.jvmLabel(), peakRssKb / 1024);
            System.out.printf("| process start to health UP | %.2f s | |%n", startSeconds);
            System.out.println();
            System.out.println("| target | measured | met |");
            System.out.println("|---|---|---|");
            target("durable ingest >= 5000 webhooks/s at 32 connections", String.format("%.0f/s", durableRate),
                    durableRate >= 5000);
            long p99 = ((Number) durable.get("p99_us")).longValue();
            target("durable p99 ack latency <= 50 ms", String.format("%.1f ms", p99 / 1000.0), p99 <= 50_000);
            long errors = ((Number) durable.get("non2xx")).longValue() + ((Number) durable.get("socket_errors")).longValue();
            target("zero errors", String.valueOf(errors), errors == 0);
            target("durable >= 0.5 x baseline", String.format("%.2f", durableRate / baselineRate),
                    durableRate >= 0.5 * baselineRate);
            target("start to health UP <= 3 s", String.format("%.2f s", startSeconds), startSeconds <= 3.0);
            target("peak RSS <= 400 MB", (peakRssKb / 1024) + " MB", peakRssKb <= 400 * 1024);
        } finally {
            relay.destroy();
            relay.waitFor();
        }
    }

    private static void target(String what, String measured, boolean met) {
        System.out.printf("| %s | %s | %s |%n", what, measured, met ? "met" : "NOT met");
    }

    /** One line per webhook, the reference payloads in turn, every body unique. */
    private static void writeSignedWebhooks(Path file, int count) throws Exception {
        List<String> samples = Samples.names();
        List<ObjectNode> payloads = new ArrayList<>();
        for (String sample : samples) {
            payloads.add((ObjectNode) JSON.readTree(Samples.bytes(sample)));
        }
        BenchRelay.writeSignedWebhooks(file, count, i -> Samples.webhookName(samples.get(i % samples.size())), i -> {
            ObjectNode payload = payloads.get(i % samples.size()).deepCopy();
            payload.put("bench_sequence", i);
            try {
                return JSON.writeValueAsBytes(payload);
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
    }

    /** The groups of stores (journal fsyncs, Kafka produce requests) and the webhooks stored so far. */
    private static double[] storeCounters(int managementPort, BenchInbox inbox) throws Exception {
        String metrics = BenchRelay.metrics(managementPort);
        return new double[] {inbox.groups().applyAsDouble(metrics), BenchRelay.metric(metrics, inbox.acknowledgedMetric())};
    }
}
