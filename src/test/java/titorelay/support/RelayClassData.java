package titorelay.support;

import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;

/**
 * A class-data archive for the relay JVMs the tests start (about forty in a run of the suite, several of them restarted
 * again and again on two shared cores): the classes a relay loads until it is healthy, already parsed, as `mvn package`
 * makes one for the relay itself (jvm.options). With it a start took 2.3 s of CPU instead of 3.5 s here, and health was
 * UP after 1.8 s instead of 2.8 s. A relay does the same with or without it.
 * <p>
 * A JVM archives classes from jars only, so the relay JVMs get the build's class directories as jars (made here), in
 * the same place on the class path. The first test JVM to start a relay makes the jars and the archive in the
 * background (a relay started, given a webhook and stopped: about ten seconds), under a file lock that the other test
 * JVMs' makers wait on; relays started meanwhile start without it. Later runs find them, or make them again when a
 * class or a dependency changed. If making the archive fails, relays start without it, only slower.
 */
final class RelayClassData {

    private static final Path HOME = Path.of("target", "relay-class-data");
    private static final Path ARCHIVE = HOME.resolve("relay.jsa");
    private static final Path FINGERPRINT = HOME.resolve("fingerprint");

    private static List<String> ready;
    private static CompletableFuture<List<String>> making;

    private RelayClassData() {
    }

    /**
     * The relay JVM's class path option, and the archive's once it is there. Until then (it is being made, about ten
     * seconds), relays start without it: no test waits for it.
     */
    static synchronized List<String> options() {
        if (ready != null) {
            return ready;
        }
        String classPath = System.getProperty("java.class.path");
        if (making == null) {
            try {
                Files.createDirectories(HOME);
                ready = madeAlready(classPath);
                if (ready != null) {
                    return ready;
                }
            } catch (Exception failed) {
                System.err.println("Relays start without a class-data archive: " + failed);
                return ready = List.of("-cp", classPath);
            }
            ExecutorService maker = Executors.newSingleThreadExecutor(task -> {
                Thread thread = new Thread(task, "relay-class-data");
                thread.setDaemon(true);
                return thread;
            });
            making = CompletableFuture.supplyAsync(() -> {
                try {
                    return made(classPath);
                } catch (Exception | AssertionError failed) {
                    System.err.println("Relays start without a class-data archive: " + failed);
                    return List.of("-cp", classPath);
                }
            }, maker);
            maker.shutdown();
        }
        if (making.isDone()) {
            return ready = making.join();
        }
        return List.of("-cp", classPath);
    }

    /** The options once the archive is made (or making it failed). */
    static List<String> awaitOptions(Duration patience) throws Exception {
        CompletableFuture<List<String>> pending;
        synchronized (RelayClassData.class) {
            options();
            pending = making;
        }
        if (pending != null) {
            pending.get(patience.toMillis(), TimeUnit.MILLISECONDS);
        }
        return options();
    }

    /** The options, if this build's archive has been made (by this test JVM or another); else null. */
    private static List<String> madeAlready(String classPath) throws Exception {
        List<String> entries = List.of(classPath.split(File.pathSeparator));
        return isMade(fingerprint(entries)) ? withArchive(entries) : null;
    }

    private static boolean isMade(String fingerprint) throws IOException {
        return Files.exists(ARCHIVE) && Files.exists(FINGERPRINT) && Files.readString(FINGERPRINT).equals(fingerprint);
    }

    private static List<String> withArchive(List<String> entries) {
        return List.of("-cp", jarClassPath(entries), "-XX:SharedArchiveFile=" + ARCHIVE.toAbsolutePath());
    }

    /** The class path with each class directory replaced by its jar. */
    private static String jarClassPath(List<String> entries) {
        List<String> jarred = new ArrayList<>();
        for (String entry : entries) {
            Path path = Path.of(entry);
            jarred.add(Files.isDirectory(path) ? jarOf(path).toString() : entry);
        }
        return String.join(File.pathSeparator, jarred);
    }

    private static Path jarOf(Path directory) {
        return HOME.resolve(directory.getFileName() + ".jar").toAbsolutePath();
    }

    /** Makes the jars and the archive, unless another test JVM has, while holding the lock the others wait on. */
    private static List<String> made(String classPath) throws Exception {
        try (FileChannel lockFile = FileChannel.open(HOME.resolve("lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
             FileLock othersWait = lockFile.lock()) {
            List<String> entries = List.of(classPath.split(File.pathSeparator));
            String fingerprint = fingerprint(entries);
            if (isMade(fingerprint)) {
                return withArchive(entries);
            }
            Files.deleteIfExists(FINGERPRINT);
            for (String entry : entries) {
                Path path = Path.of(entry);
                if (Files.isDirectory(path)) {
                    jar(path, jarOf(path));
                }
            }
            long start = System.nanoTime();
            archive(jarClassPath(entries));
            Files.writeString(FINGERPRINT, fingerprint);
            System.out.printf("Made the class-data archive of the relay JVMs that tests start, in %.1f s%n",
                    (System.nanoTime() - start) / 1e9);
            return withArchive(entries);
        }
    }

    /** Starts a relay that writes the archive when it exits, once it has taken and dispatched a webhook. */
    private static void archive(String jarClassPath) throws Exception {
        Path made = HOME.resolve("relay.jsa.new");
        Files.deleteIfExists(made);
        Path work = Files.createTempDirectory("relay-class-data");
        try {
            String archiveOption = "-XX:ArchiveClassesAtExit=" + made.toAbsolutePath();
            // Before the class path, within the part of the command line the system shows of a process (below).
            List<String> command = RelayProcess.javaCommandWith(List.of(archiveOption, "-cp", jarClassPath));
            // Never left running behind a test JVM that ends first (a short run of one test), also while it starts.
            Thread killIt = new Thread(() -> ProcessHandle.current().children()
                    .filter(child -> child.info().commandLine().orElse("").contains(archiveOption))
                    .forEach(ProcessHandle::destroyForcibly));
            Runtime.getRuntime().addShutdownHook(killIt);
            try (RelayProcess relay = RelayProcess.launch(command, work.resolve("data"), "archive", Map.of())) {
                train(relay);
            } finally {
                try {
                    Runtime.getRuntime().removeShutdownHook(killIt);
                } catch (IllegalStateException shuttingDown) {
                    // the hook runs
                }
            }
            if (!Files.exists(made) || Files.size(made) == 0) {
                throw new IllegalStateException("the relay wrote no archive");
            }
            Files.move(made, ARCHIVE, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            try (Stream<Path> files = Files.walk(work)) {
                for (Path file : files.sorted((a, b) -> b.compareTo(a)).toList()) {
                    Files.deleteIfExists(file);
                }
            }
        }
    }

    /** A webhook taken and dispatched, so that their classes are in the archive too; then stopped, which writes it. */
    private static void train(RelayProcess relay) throws Exception {
        RawHttp.Answer answer = relay.send("ticket.updated", Samples.bytes("ticket-basic.json"));
        if (answer.status() != 202) {
            throw new IllegalStateException("the archive's relay answered " + answer.raw());
        }
        TestRelay.await("the archive's relay to dispatch its webhook", Duration.ofSeconds(60),
                () -> TestRelay.uncheck(() -> relay.metric("tito_webhooks_processed_total") >= 1));
        relay.terminate(Duration.ofSeconds(60));
    }

    /** The class directory as a jar, written beside and moved into place. */
    private static void jar(Path directory, Path jar) throws IOException {
        Path made = jar.resolveSibling(jar.getFileName() + ".new");
        try (OutputStream file = Files.newOutputStream(made); JarOutputStream out = new JarOutputStream(file);
             Stream<Path> paths = Files.walk(directory)) {
            for (Path path : paths.sorted().toList()) {
                if (path.equals(directory)) {
                    continue;
                }
                String name = directory.relativize(path).toString().replace(File.separatorChar, '/');
                if (Files.isDirectory(path)) {
                    out.putNextEntry(new JarEntry(name + "/"));
                } else {
                    out.putNextEntry(new JarEntry(name));
                    Files.copy(path, out);
                }
                out.closeEntry();
            }
        }
        Files.move(made, jar, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** What the archive depends on: the class path, each jar's size and time, each class directory's files. */
    private static String fingerprint(List<String> entries) throws Exception {
        MessageDigest digest = MessageDigest.getInstance("SHA-256");
        for (String entry : entries) {
            Path path = Path.of(entry);
            digest.update((entry + "\n").getBytes(StandardCharsets.UTF_8));
            List<Path> files;
            if (Files.isDirectory(path)) {
                try (Stream<Path> walk = Files.walk(path)) {
                    files = walk.filter(Files::isRegularFile).sorted().toList();
                }
            } else {
                files = Files.exists(path) ? List.of(path) : List.of();
            }
            for (Path file : files) {
                digest.update((file + " " + Files.size(file) + " " + Files.getLastModifiedTime(file).toMillis() + "\n")
                        .getBytes(StandardCharsets.UTF_8));
            }
        }
        return HexFormat.of().formatHex(digest.digest());
    }
}
