package titorelay.support;

import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import titorelay.signature.TitoSignature;

/**
 * The relay as a separate JVM, started the way a user starts it ({@code titorelay.RelayMain} from the project root,
 * reading ./application.properties and ./routes), so that a test can kill it with SIGKILL.
 */
public final class RelayProcess implements AutoCloseable {

    /** Ample for a start on a loaded two-core machine, which also dispatches what an earlier run left. */
    private static final Duration STARTUP_PATIENCE = Duration.ofSeconds(90);

    private final Process process;
    private final String name;
    private final Path log;
    private final int port;
    private final int managementPort;

    private RelayProcess(Process process, String name, Path log, int port, int managementPort) {
        this.process = process;
        this.name = name;
        this.log = log;
        this.port = port;
        this.managementPort = managementPort;
    }

    public static RelayProcess start(Path dataDir, String logName, Map<String, String> overrides) throws Exception {
        return start(dataDir, logName, overrides, TestRelay.freePort(), TestRelay.freePort());
    }

    /**
     * A relay's heap and collector unless a test gives its own options: as jvm.options has them (the parallel
     * collector also took 5 to 10 % less of the crash loop's CPU than the JVM's default here).
     */
    static final List<String> HEAP_AND_COLLECTOR = List.of("-Xmx256m", "-XX:+UseParallelGC");

    /** On given ports, so that a restarted relay is found where the killed one was. */
    public static RelayProcess start(Path dataDir, String logName, Map<String, String> overrides, int port,
            int managementPort) throws Exception {
        return start(HEAP_AND_COLLECTOR, dataDir, logName, overrides, port, managementPort);
    }

    /** With these JVM options (after the tests' own, {@link #javaCommand}). */
    public static RelayProcess start(List<String> jvmOptions, Path dataDir, String logName,
            Map<String, String> overrides) throws Exception {
        return start(jvmOptions, dataDir, logName, overrides, TestRelay.freePort(), TestRelay.freePort());
    }

    private static RelayProcess start(List<String> jvmOptions, Path dataDir, String logName,
            Map<String, String> overrides, int port, int managementPort) throws Exception {
        List<String> command = javaCommand();
        command.addAll(jvmOptions);
        return launch(command, dataDir, logName, overrides, port, managementPort);
    }

    /** The relay's main class run by this java command (its JVM options given), on free ports. */
    static RelayProcess launch(List<String> javaCommand, Path dataDir, String logName, Map<String, String> overrides)
            throws Exception {
        return launch(new ArrayList<>(javaCommand), dataDir, logName, overrides, TestRelay.freePort(), TestRelay.freePort());
    }

    private static RelayProcess launch(List<String> command, Path dataDir, String logName,
            Map<String, String> overrides, int port, int managementPort) throws Exception {
        String name = (dataDir.getFileName() + "-" + logName).replaceAll("[^A-Za-z0-9.-]", "-");
        command.addAll(List.of(
                // The name this run greets the SMTP server with (EHLO; camel-mail starts from the system properties):
                // the server writes it into each email's Received header, so a test can tell which run sent a copy.
                "-Dmail.smtp.localhost=" + name,
                "-Dcamel.server.port=" + port,
                "-Dcamel.management.port=" + managementPort,
                "-Drelay.data-dir=" + dataDir,
                "-Dtito.security-tokens=" + TestRelay.TOKEN,
                "-Dcamel.main.routes-reload-enabled=false"));
        overrides.forEach((key, value) -> command.add("-D" + key + "=" + value));
        command.add("titorelay.RelayMain");

        Path log = dataDir.resolveSibling(dataDir.getFileName() + "-" + logName + ".log");
        Process process = new ProcessBuilder(command)
                .directory(new File(System.getProperty("user.dir")))
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        RelayProcess relay = new RelayProcess(process, name, log, port, managementPort);
        try {
            relay.awaitHealthy(STARTUP_PATIENCE);
        } catch (Exception | AssertionError notHealthy) {
            process.destroyForcibly(); // never left running behind a failed test
            process.waitFor();
            throw notHealthy;
        }
        return relay;
    }

    /**
     * The start of the command line of a relay JVM on the tests' class path. Its code is compiled by the quick compiler
     * only (-XX:TieredStopAtLevel=1): a test's relay lives for seconds, too short for the optimizing compiler's work to
     * pay back, and without it a start takes about half the CPU (3 s instead of 6 here), which matters most when a
     * test restarts a relay several times on two shared cores. What the relay does is the same either way.
     * <p>
     * Nor does it verify the bytecode of the class path's classes (the JDK's own are never verified): they are the
     * classes this build just compiled and the dependencies the build pinned, which the relay's own JVM verifies as
     * usual. Verifying them was about a fifth of a test relay's start (2.4 to 2.7 s to health UP without, against
     * 2.8 to 3.4 s with it).
     * <p>
     * The class path is the tests' own, with a class-data archive of what a relay loads at start ({@link RelayClassData}).
     */
    public static List<String> javaCommand() {
        return javaCommandWith(RelayClassData.options());
    }

    /** The same, with these class path options. */
    static List<String> javaCommandWith(List<String> classPathOptions) {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:TieredStopAtLevel=1", "-XX:+UnlockDiagnosticVMOptions", "-XX:-BytecodeVerificationRemote"));
        command.addAll(classPathOptions);
        return command;
    }

    /** Until health answers UP; else fails with the relay's last health answer and its log. */
    private void awaitHealthy(Duration timeout) throws Exception {
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(1)).build();
        long deadline = System.nanoTime() + timeout.toNanos();
        String lastAnswer = "none (the management port never answered)";
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new AssertionError("the relay exited during start-up (status " + process.exitValue() + "):\n"
                                         + Files.readString(log));
            }
            try {
                HttpResponse<String> health = client.send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + managementPort + "/observe/health"))
                        .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
                if (health.statusCode() == 200 && health.body().contains("UP")) {
                    return;
                }
                lastAnswer = health.statusCode() + " " + health.body();
            } catch (IOException notYet) {
                // still starting
            }
            Thread.sleep(100);
        }
        throw new AssertionError("the relay did not become healthy within " + timeout + "; its health said: " + lastAnswer
                                 + "\nits log:\n" + Files.readString(log));
    }

    public RawHttp.Answer send(String name, byte[] body) throws IOException {
        return RawHttp.request("POST", "/webhooks/tito")
                .header("Content-Type", "application/json")
                .header("X-Webhook-Name", name)
                .header("Tito-Signature", TitoSignature.sign(TestRelay.TOKEN, body))
                .body(body)
                .send(port);
    }

    /** This run's name: its data folder's and log's, e.g. "data-run3"; also its SMTP greeting (EHLO). */
    public String name() {
        return name;
    }

    public int port() {
        return port;
    }

    public String health() throws Exception {
        return get("/observe/health");
    }

    public String metrics() throws Exception {
        return get("/observe/metrics");
    }

    /** The value of a Prometheus metric (summed over its series), or 0 if it has none. */
    public double metric(String name) throws Exception {
        return metrics().lines()
                .filter(line -> line.startsWith(name + "{") || line.startsWith(name + " "))
                .mapToDouble(line -> Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)))
                .sum();
    }

    private String get(String path) throws Exception {
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + managementPort + path))
                .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString()).body();
    }

    /** SIGTERM, as a service manager stops it; returns how long the relay took to exit. */
    public Duration terminate(Duration patience) throws InterruptedException {
        long start = System.nanoTime();
        process.destroy();
        if (!process.waitFor(patience.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)) {
            throw new AssertionError("the relay did not stop within " + patience);
        }
        return Duration.ofNanos(System.nanoTime() - start);
    }

    /** Waits, sending no signal, for the relay to end by itself; returns its exit status. */
    public int awaitExit(Duration patience) throws InterruptedException {
        if (!process.waitFor(patience.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)) {
            throw new AssertionError("the relay was still running after " + patience);
        }
        return process.exitValue();
    }

    /** The relay JVM's process id. */
    public long pid() {
        return process.pid();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** The exit status of a process ended by SIGKILL (signal 9): 128 + the signal's number. */
    public static final int KILLED_BY_SIGKILL = 128 + 9;

    /**
     * SIGKILL: no shutdown hook, no flush, nothing graceful. Returns the exit status: {@link #KILLED_BY_SIGKILL}
     * when the signal landed, the process's own status if it had already exited.
     */
    public int kill() throws InterruptedException {
        process.destroyForcibly();
        return process.waitFor();
    }

    /** SIGSTOP: the whole process stands still (its Kafka heartbeats too), as in a long pause or a frozen machine. */
    public void pause() throws Exception {
        signal("STOP");
    }

    /** SIGCONT: it goes on from where {@link #pause} stopped it, not knowing it was stopped. */
    public void resume() throws Exception {
        if (process.isAlive()) {
            signal("CONT");
        }
    }

    private void signal(String name) throws Exception {
        Process kill = new ProcessBuilder("kill", "-" + name, String.valueOf(process.pid())).inheritIO().start();
        if (kill.waitFor() != 0) {
            throw new IllegalStateException("kill -" + name + " " + process.pid() + " failed");
        }
    }

    /** The logs of the relays whose data directories are in {@code work}, kept in target/{@code into} for a person to read. */
    public static void keepLogs(Path work, String into) throws IOException {
        Path kept = Files.createDirectories(Path.of("target", into));
        try (var logs = Files.list(work)) {
            for (Path log : logs.filter(file -> file.toString().endsWith(".log")).toList()) {
                Files.copy(log, kept.resolve(log.getFileName()), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
        }
    }

    public List<String> logLines() throws IOException {
        return Files.readAllLines(log);
    }

    @Override
    public void close() throws Exception {
        if (process.isAlive()) {
            process.destroy();
            if (!process.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)) {
                kill();
            }
        }
    }
}
