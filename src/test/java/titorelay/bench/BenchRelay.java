package titorelay.bench;

import java.io.BufferedWriter;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntFunction;

import com.fasterxml.jackson.databind.ObjectMapper;
import titorelay.signature.TitoSignature;
import titorelay.support.JvmOptionsFile;

/** What the benchmarks share: the relay as a separate JVM, wrk, the relay's metrics, and /proc. */
final class BenchRelay {

    /**
     * A new directory for a benchmark's relay, its data and its webhooks, deleted when the benchmark's JVM exits: a
     * phase writes a gigabyte or more, and bench/run runs several. With BENCH_KEEP set, it is kept (the relay's log is
     * in it).
     */
    static Path workDirectory(String prefix) throws IOException {
        Path work = Files.createTempDirectory(prefix);
        if (System.getenv("BENCH_KEEP") != null) {
            System.err.println("Keeping " + work);
            return work;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try (var paths = Files.walk(work)) {
                paths.sorted(java.util.Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
            } catch (IOException | RuntimeException e) {
                System.err.println("Could not delete " + work + ": " + e);
            }
        }, "delete-" + prefix));
        return work;
    }

    static final String TOKEN = "bench-token";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient CLIENT = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofMillis(500)).build();

    private BenchRelay() {
    }

    /**
     * The built jar with the JVM options the README recommends ({@link #jvmOptions}) and these -D settings; its
     * output in relay.log beside the data. With BENCH_JFR set to a file name, the relay records a JFR profile into
     * it; BENCH_JVM adds JVM options (e.g. "-XX:NativeMemoryTracking=summary", to see where the memory beyond the
     * heap goes with jcmd).
     */
    static Process start(Path work, List<String> settings) throws Exception {
        List<String> command = new java.util.ArrayList<>(List.of("java"));
        command.addAll(jvmOptions());
        String flightRecording = System.getenv("BENCH_JFR"); // a file name: profile the relay with JFR into it
        if (flightRecording != null) {
            command.add("-XX:StartFlightRecording=settings=profile,filename=" + flightRecording);
        }
        String jvmOptions = System.getenv("BENCH_JVM");
        if (jvmOptions != null && !jvmOptions.isBlank()) {
            command.addAll(List.of(jvmOptions.trim().split("\\s+")));
        }
        settings.forEach(setting -> command.add("-D" + setting));
        command.addAll(List.of("-jar", "target/tito-relay.jar"));
        return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(work.resolve("relay.log").toFile())
                .start();
    }

    /** The class-data archive `mvn package` makes beside the jar (pom.xml, class-data-archive). */
    private static final Path CLASS_DATA_ARCHIVE = Path.of("target", "tito-relay.jsa");

    /**
     * The README's JVM options, from jvm.options: heap, collector (BENCH_GC replaces it; "" for the JVM's default,
     * G1), the class-data archive (unless BENCH_CDS=off) and the native memory settings.
     */
    static List<String> jvmOptions() {
        String chosenCollector = System.getenv("BENCH_GC");
        List<String> options = new ArrayList<>();
        for (String option : JvmOptionsFile.options()) {
            if (isCollector(option)) {
                String collector = chosenCollector == null ? option : chosenCollector.strip();
                if (!collector.isEmpty()) {
                    options.add(collector);
                }
            } else if (option.startsWith("-XX:SharedArchiveFile=")) {
                if (!"off".equals(System.getenv("BENCH_CDS"))) {
                    if (!Files.isRegularFile(CLASS_DATA_ARCHIVE)) {
                        throw new IllegalStateException(CLASS_DATA_ARCHIVE + " is missing: mvn package makes it");
                    }
                    options.add(option);
                }
            } else {
                options.add(option);
            }
        }
        return options;
    }

    private static boolean isCollector(String option) {
        return option.startsWith("-XX:+Use") && option.endsWith("GC");
    }

    /** Those options, for a table. */
    static String jvmLabel() {
        List<String> options = jvmOptions();
        return String.join(" ", options)
               + (options.stream().noneMatch(BenchRelay::isCollector) ? ", the JVM's default collector" : "");
    }

    /** Seconds from {@code launched} until /observe/health answers UP. */
    static double awaitHealthy(int managementPort, long launched) throws Exception {
        for (int i = 0; i < 3000; i++) {
            try {
                HttpResponse<String> health = CLIENT.send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + managementPort + "/observe/health")).build(),
                        HttpResponse.BodyHandlers.ofString());
                if (health.statusCode() == 200 && health.body().startsWith("{\"status\":\"UP\"")) {
                    return (System.nanoTime() - launched) / 1e9;
                }
            } catch (IOException starting) {
                // not listening yet
            }
            Thread.sleep(10);
        }
        throw new IllegalStateException("the relay did not become healthy");
    }

    /** One line per webhook for bench/signed.lua: name, Tito-Signature, compact body. */
    static void writeSignedWebhooks(Path file, int count, IntFunction<String> name, IntFunction<byte[]> body)
            throws Exception {
        try (BufferedWriter out = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            for (int i = 0; i < count; i++) {
                byte[] bytes = body.apply(i);
                out.write(name.apply(i) + "\t" + TitoSignature.sign(TOKEN, bytes) + "\t"
                          + new String(bytes, StandardCharsets.UTF_8) + "\n");
            }
        }
    }

    /** wrk with bench/signed.lua: its JSON summary (requests, non2xx, socket_errors, latencies in µs). */
    @SuppressWarnings("unchecked")
    static Map<String, Object> wrk(String url, Path webhooks, int seconds, int connections) throws Exception {
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

    /** 2xx answers per second of a wrk run. */
    static double rate(Map<String, Object> result) {
        return ok(result) / (((Number) result.get("duration_us")).longValue() / 1e6);
    }

    static long ok(Map<String, Object> result) {
        return ((Number) result.get("requests")).longValue() - ((Number) result.get("non2xx")).longValue();
    }

    static String latencies(Map<String, Object> result) {
        return String.format("%.1f / %.1f / %.1f ms", ((Number) result.get("p50_us")).longValue() / 1000.0,
                ((Number) result.get("p99_us")).longValue() / 1000.0, ((Number) result.get("max_us")).longValue() / 1000.0);
    }

    static String metrics(int managementPort) throws Exception {
        return CLIENT.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + managementPort + "/observe/metrics"))
                .build(), HttpResponse.BodyHandlers.ofString()).body();
    }

    /** The sum of a metric's series (every tag combination), 0 when it has none yet. */
    static double metric(String metrics, String name) {
        return metrics.lines().filter(line -> line.startsWith(name + " ") || line.startsWith(name + "{"))
                .mapToDouble(line -> Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1))).sum();
    }

    static long peakRssKb(long pid) throws Exception {
        for (String line : Files.readAllLines(Path.of("/proc", String.valueOf(pid), "status"))) {
            if (line.startsWith("VmHWM:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        return -1;
    }

    /** CPU time (user + system, in clock ticks of 10 ms) of each of the process's threads, by thread id. */
    static Map<String, long[]> threadTicks(long pid) throws Exception {
        Map<String, long[]> ticks = new LinkedHashMap<>();
        try (var tasks = Files.list(Path.of("/proc", String.valueOf(pid), "task"))) {
            for (Path task : tasks.toList()) {
                try {
                    String stat = Files.readString(task.resolve("stat"));
                    String name = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
                    String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                    long cpu = Long.parseLong(fields[11]) + Long.parseLong(fields[12]); // utime, stime
                    ticks.put(task.getFileName() + " " + name, new long[] {cpu});
                } catch (IOException ended) {
                    // the thread ended meanwhile
                }
            }
        }
        return ticks;
    }
}
