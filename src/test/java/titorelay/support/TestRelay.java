package titorelay.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.ThreadFactory;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;
import java.util.stream.Stream;

import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.builder.AdviceWith;
import org.apache.camel.main.Main;
import titorelay.RelayMain;
import titorelay.inbox.InboxJournal;
import titorelay.inbox.StoredDelivery;
import titorelay.signature.TitoSignature;

/**
 * The real relay (Camel Main, ./application.properties, the YAML routes in ./routes) started inside the test JVM on
 * free ports, with its data in a temporary directory.
 */
public final class TestRelay implements AutoCloseable {

    public static final String TOKEN = "test-token-one";
    public static final String SECOND_TOKEN = "test-token-two";

    private final Main main;
    private final Path dataDir;
    private final int port;
    private final int managementPort;

    private TestRelay(Main main, Path dataDir, int port, int managementPort) {
        this.main = main;
        this.dataDir = dataDir;
        this.port = port;
        this.managementPort = managementPort;
    }

    public static TestRelay start(Path dataDir) throws Exception {
        return start(dataDir, Map.of());
    }

    public static TestRelay start(Path dataDir, Map<String, String> overrides) throws Exception {
        int port = freePort();
        int managementPort = freePort();
        Map<String, String> properties = new LinkedHashMap<>();
        properties.put("camel.server.port", String.valueOf(port));
        properties.put("camel.management.port", String.valueOf(managementPort));
        properties.put("relay.data-dir", dataDir.toString());
        properties.put("tito.security-tokens", TOKEN + "," + SECOND_TOKEN);
        properties.put("relay.dispatch.redelivery-delay-ms", "50");
        properties.put("sheets.flush-interval-ms", "100");
        properties.put("sheets.csv-flush-interval-ms", "100");
        properties.putAll(overrides);

        Main main = RelayMain.create();
        properties.forEach(main::addOverrideProperty);
        try {
            main.start();
        } catch (Exception | Error refused) {
            main.stop(); // a relay that refused to start leaves nothing running in the test JVM
            throw refused;
        }
        return new TestRelay(main, dataDir, port, managementPort);
    }

    /**
     * A free port that no other test JVM of this build hands out. The test JVMs run side by side, and a port the system
     * calls free in one of them (a port-0 socket, closed at once) can be handed to another before the first binds it: a
     * relay JVM takes seconds to bind the port it was given, and a CI run once saw its request answered by another
     * test's SMTP server. So each test JVM takes ports from its own range, below the system's ephemeral ports (which
     * clients and port-0 servers get), one after another, each checked free by binding it.
     */
    public static int freePort() throws IOException {
        for (int tries = 0; tries < PORTS_PER_TEST_JVM; tries++) {
            int port = FIRST_PORT_OF_THIS_JVM + Math.floorMod(nextPort.getAndIncrement(), PORTS_PER_TEST_JVM);
            try (ServerSocket socket = new ServerSocket()) {
                socket.bind(new InetSocketAddress(port));
                return port;
            } catch (IOException inUse) {
                // taken by something else on this machine: the next one
            }
        }
        throw new IOException("no free port in " + FIRST_PORT_OF_THIS_JVM + "-" + (FIRST_PORT_OF_THIS_JVM + PORTS_PER_TEST_JVM - 1));
    }

    private static final int PORTS_PER_TEST_JVM = 2000;
    /** Surefire numbers its test JVMs from 1 (pom.xml passes the number on); a benchmark's JVM has none: 0. */
    private static final int FIRST_PORT_OF_THIS_JVM = 20_000 + PORTS_PER_TEST_JVM * Integer.getInteger("tests.fork-number", 0);
    private static final AtomicInteger nextPort = new AtomicInteger();

    public int port() {
        return port;
    }

    public int managementPort() {
        return managementPort;
    }

    public Path dataDir() {
        return dataDir;
    }

    public CamelContext camelContext() {
        return main.getCamelContext();
    }

    /** A correctly signed webhook, as Tito would send it. */
    /** The route (a sink's) fails at its first step, with an IllegalStateException saying {@code why}, while {@code when} holds. */
    public void failAtStart(String routeId, Predicate<Exchange> when, String why) throws Exception {
        AdviceWith.adviceWith(camelContext(), routeId, route -> route.weaveAddFirst().process(exchange -> {
            if (when.test(exchange)) {
                throw new IllegalStateException(why);
            }
        }));
    }

    public RawHttp.Answer send(String name, byte[] body) throws IOException {
        return RawHttp.request("POST", "/webhooks/tito")
                .header("Content-Type", "application/json")
                .header("X-Webhook-Name", name)
                .header("Tito-Signature", TitoSignature.sign(TOKEN, body))
                .body(body)
                .send(port);
    }

    public String metrics() throws Exception {
        return get("/observe/metrics");
    }

    public String health() throws Exception {
        return get("/observe/health");
    }

    private String get(String path) throws Exception {
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        HttpResponse<String> response = client.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + managementPort + path)).build(),
                HttpResponse.BodyHandlers.ofString());
        return response.body();
    }

    /** The value of a Prometheus counter line that contains all the given fragments, or 0 if there is none. */
    public double counter(String metric, String... fragments) throws Exception {
        return counterIn(metrics(), metric, fragments);
    }

    /** The same, read from a Prometheus text given (e.g. a relay process's). */
    public static double counterIn(String prometheusText, String metric, String... fragments) {
        return prometheusText.lines()
                .filter(line -> line.startsWith(metric + "{"))
                .filter(line -> Stream.of(fragments).allMatch(line::contains))
                .mapToDouble(line -> Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)))
                .sum();
    }

    /** A gauge without tags, or with (or starting with the given ones): the sum of its lines. */
    public static double gaugeIn(String prometheusText, String name) {
        return prometheusText.lines().filter(line -> line.startsWith(name + " ") || line.startsWith(name + "{")
                                                     || name.contains("{") && line.startsWith(name))
                .mapToDouble(line -> Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1))).sum();
    }

    /**
     * The deliveries acknowledged and not yet dispatched, oldest first, as the inbox journal holds them: being
     * dispatched (a sink may hold one until its batch is written) or not taken yet. Empty once dispatch caught up.
     */
    public List<StoredDelivery> inbox() {
        InboxJournal journal = camelContext().getRegistry().lookupByNameAndType("inboxJournal", InboxJournal.class);
        if (journal == null) {
            throw new IllegalStateException("this relay has no inbox journal (relay.inbox.kind=kafka)");
        }
        try {
            return journal.waiting();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Dead letters kept (whole ones only: each is written under a hidden name, then renamed). */
    public List<Path> deadLetters() {
        return files(dataDir.resolve("dead-letters"));
    }

    /**
     * The visible files of a directory, as a user's {@code ls} shows them. A hidden file is a write in progress that
     * is renamed when done: listing it would race with the rename (listed, then gone when read).
     */
    public static List<Path> files(Path dir) {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(file -> !file.getFileName().toString().startsWith("."))
                    .filter(Files::isRegularFile).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Copies the files of a directory (e.g. the real routes/ or templates/) for a test to edit. */
    public static Path copyOf(Path directory, Path target) throws IOException {
        Files.createDirectories(target);
        try (Stream<Path> files = Files.list(directory)) {
            for (Path file : files.toList()) {
                Files.copy(file, target.resolve(file.getFileName()));
            }
        }
        return target;
    }

    /** A condition for {@link #await} that may throw. */
    public interface Check {
        boolean get() throws Exception;
    }

    public static boolean uncheck(Check check) {
        try {
            return check.get();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    public static void await(String what, Duration timeout, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("Timed out after " + timeout + " waiting for: " + what);
            }
            Thread.sleep(20);
        }
    }

    /**
     * Runs two tasks side by side, each on a thread of its own, until both ended; the first to fail fails the test
     * with its own exception (not a time-out of the other), and the other is interrupted.
     */
    public static void runTogether(String firstName, Callable<?> first, String secondName, Callable<?> second)
            throws Exception {
        ExecutorService threads = Executors.newFixedThreadPool(2, new ThreadFactory() {
            private final List<String> names = List.of(firstName, secondName);
            private int next;

            @Override
            public synchronized Thread newThread(Runnable runnable) {
                return new Thread(runnable, names.get(next++ % 2));
            }
        });
        try {
            List<Future<?>> tasks = List.of(threads.submit(first), threads.submit(second));
            while (!tasks.stream().allMatch(Future::isDone)) {
                for (Future<?> task : tasks) {
                    if (task.isDone()) {
                        try {
                            task.get();
                        } catch (ExecutionException failed) {
                            throw new AssertionError(failed.getCause().toString(), failed.getCause());
                        }
                    }
                }
                Thread.sleep(100);
            }
            for (Future<?> task : tasks) {
                task.get();
            }
        } finally {
            threads.shutdownNow();
        }
    }

    @Override
    public void close() throws Exception {
        main.stop();
    }
}
