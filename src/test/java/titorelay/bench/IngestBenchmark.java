package titorelay.bench;

import java.io.BufferedWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import titorelay.signature.TitoSignature;
import titorelay.support.Samples;
import titorelay.support.TestRelay;

/**
 * Durable ingest against a baseline, in the same run and the same relay JVM (the built jar, -Xmx256m): wrk POSTs
 * correctly signed reference payloads, each body unique, first to a route that only verifies the signature and
 * checks the body, then answers 202 (bench/baseline-route.yaml), then to the real ingress, which answers 202 once the
 * webhook is fsync'd in the inbox journal. Both are warmed up first, so that neither is measured while the JIT
 * compiler still works on it. Dispatch is paused, so this measures what Tito sees; SheetBurstBenchmark measures the
 * way to the sheet. Prints Markdown rows for bench/run.
 */
public final class IngestBenchmark {

    private static final String TOKEN = "bench-token";
    private static final ObjectMapper JSON = new ObjectMapper();

    public static void main(String[] args) throws Exception {
        int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 10;
        int connections = args.length > 1 ? Integer.parseInt(args[1]) : 32;
        Path work = Files.createTempDirectory("ingest-bench");
        Path webhooks = work.resolve("webhooks.tsv");
        writeSignedWebhooks(webhooks, 12_000 * seconds);

        int port = TestRelay.freePort();
        int managementPort = TestRelay.freePort();
        long launched = System.nanoTime();
        Process relay = new ProcessBuilder("java", "-Xmx256m",
                "-Dcamel.server.port=" + port,
                "-Dcamel.management.port=" + managementPort,
                "-Drelay.data-dir=" + work.resolve("data"),
                "-Dtito.security-tokens=" + TOKEN,
                "-Drelay.dispatch.auto-start=false",
                "-Dcamel.main.routes-include-pattern=file:routes/*.yaml,file:bench/baseline-route.yaml",
                "-Dcamel.main.routes-reload-enabled=false",
                "-jar", "target/tito-relay.jar")
                .redirectErrorStream(true).redirectOutput(work.resolve("relay.log").toFile()).start();
        try {
            double startSeconds = awaitHealthy(managementPort, launched);
            String base = "http://127.0.0.1:" + port;
            // Warm-up of both routes, so that the JIT compiler is done with them before either is measured.
            int warmUp = 10;
            wrk(base + "/webhooks/tito", webhooks, warmUp, connections);
            wrk(base + "/bench/verify-only", webhooks, warmUp, connections);
            Map<String, Object> baseline = wrk(base + "/bench/verify-only", webhooks, seconds, connections);
            double[] journalBefore = journalCounters(managementPort);
            Map<String, Object> durable = wrk(base + "/webhooks/tito", webhooks, seconds, connections);
            double[] journalAfter = journalCounters(managementPort);
            double fsyncs = journalAfter[0] - journalBefore[0];
            double journaled = journalAfter[1] - journalBefore[1];
            long peakRssKb = peakRssKb(relay.pid());
            long inboxFiles;
            try (var files = Files.list(work.resolve("data").resolve("inbox"))) {
                inboxFiles = files.filter(file -> !file.getFileName().toString().startsWith(".")).count();
            }

            double baselineRate = rate(baseline);
            double durableRate = rate(durable);
            System.out.println("| measure | baseline: verify only | durable ingress (fsync'd) |");
            System.out.println("|---|---|---|");
            System.out.printf("| acknowledged webhooks/s (%d connections, %d s) | %.0f | %.0f |%n", connections, seconds,
                    baselineRate, durableRate);
            System.out.printf("| ack latency p50 / p99 / max | %s | %s |%n", latencies(baseline), latencies(durable));
            System.out.printf("| non-2xx answers / socket errors | %s / %s | %s / %s |%n", baseline.get("non2xx"),
                    baseline.get("socket_errors"), durable.get("non2xx"), durable.get("socket_errors"));
            System.out.printf("| durable / baseline rate | | %.2f |%n", durableRate / baselineRate);
            System.out.printf("| inbox journal fsyncs (group commit) | | %.0f for %.0f webhooks, %.1f per fsync |%n",
                    fsyncs, journaled, journaled / Math.max(1, fsyncs));
            System.out.printf("| webhooks stored since start (journal) / waiting as inbox files (dispatch paused) | | %.0f / %d |%n",
                    journalAfter[1], inboxFiles);
            System.out.printf("| relay peak RSS (-Xmx256m) | %d MB | |%n", peakRssKb / 1024);
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

    private static String latencies(Map<String, Object> result) {
        return String.format("%.1f / %.1f / %.1f ms", ((Number) result.get("p50_us")).longValue() / 1000.0,
                ((Number) result.get("p99_us")).longValue() / 1000.0, ((Number) result.get("max_us")).longValue() / 1000.0);
    }

    private static double rate(Map<String, Object> result) {
        long ok = ((Number) result.get("requests")).longValue() - ((Number) result.get("non2xx")).longValue();
        return ok / (((Number) result.get("duration_us")).longValue() / 1e6);
    }

    /** One line per webhook: name, Tito-Signature, compact body; every body unique. */
    private static void writeSignedWebhooks(Path file, int count) throws Exception {
        List<String> samples = Samples.names();
        List<ObjectNode> payloads = new ArrayList<>();
        for (String sample : samples) {
            payloads.add((ObjectNode) JSON.readTree(Samples.bytes(sample)));
        }
        try (BufferedWriter out = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            for (int i = 0; i < count; i++) {
                int which = i % samples.size();
                ObjectNode payload = payloads.get(which).deepCopy();
                payload.put("bench_sequence", i);
                byte[] body = JSON.writeValueAsBytes(payload);
                out.write(Samples.webhookName(samples.get(which)) + "\t" + TitoSignature.sign(TOKEN, body) + "\t"
                          + new String(body, StandardCharsets.UTF_8) + "\n");
            }
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> wrk(String url, Path webhooks, int seconds, int connections) throws Exception {
        ProcessBuilder builder = new ProcessBuilder("wrk", "-t2", "-c" + connections, "-d" + seconds + "s",
                "--timeout", "10s", "-s", "bench/signed.lua", url);
        builder.environment().put("WEBHOOKS", webhooks.toString());
        Process wrk = builder.redirectErrorStream(true).start();
        String output = new String(wrk.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        wrk.waitFor();
        String json = output.lines().filter(l -> l.startsWith("{\"requests\"")).findFirst()
                .orElseThrow(() -> new IllegalStateException("wrk said: " + output));
        return JSON.readValue(json, Map.class);
    }

    private static double awaitHealthy(int managementPort, long launched) throws Exception {
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofMillis(200)).build();
        for (int i = 0; i < 3000; i++) {
            try {
                HttpResponse<String> health = client.send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + managementPort + "/observe/health")).build(),
                        HttpResponse.BodyHandlers.ofString());
                if (health.statusCode() == 200 && health.body().startsWith("{\"status\":\"UP\"")) {
                    return (System.nanoTime() - launched) / 1e9;
                }
            } catch (java.io.IOException starting) {
                // not listening yet
            }
            Thread.sleep(10);
        }
        throw new IllegalStateException("the relay did not become healthy");
    }

    /** The relay's own count of journal fsyncs and of webhooks committed, from its Prometheus metrics. */
    private static double[] journalCounters(int managementPort) throws Exception {
        String metrics = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + managementPort + "/observe/metrics")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        return new double[] {metric(metrics, "tito_inbox_journal_commits_total"), metric(metrics, "tito_inbox_journal_records_total")};
    }

    private static double metric(String metrics, String name) {
        return metrics.lines().filter(line -> line.startsWith(name + " ") || line.startsWith(name + "{"))
                .mapToDouble(line -> Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)))
                .findFirst().orElseThrow(() -> new IllegalStateException("no metric " + name));
    }

    private static long peakRssKb(long pid) throws Exception {
        for (String line : Files.readAllLines(Path.of("/proc", String.valueOf(pid), "status"))) {
            if (line.startsWith("VmHWM:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        return -1;
    }
}
