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
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;

/**
 * A class-data archive for the relay JVMs the tests start (about fifty in a run of the suite, several of them restarted
 * again and again on two shared cores): the classes a relay loads until it is healthy, already parsed, as `mvn package`
 * makes one for the relay itself (jvm.options). With it a start took 2.3 s of CPU instead of 3.5 s here, and health was
 * UP after 1.8 s instead of 2.8 s. A relay does the same with or without it.
 * <p>
 * A JVM archives classes from jars only, so the relay JVMs get the build's class directories as jars (made here), in
 * the same place on the class path. The first test JVM to start a relay makes the jars and the archive (a relay started
 * and stopped once), under a file lock the other test JVMs wait on; later ones find them, or make them again when a
 * class or a dependency changed. If making the archive fails, relays start without it, only slower.
 */
final class RelayClassData {

    private static final Path HOME = Path.of("target", "relay-class-data");
    private static final Path ARCHIVE = HOME.resolve("relay.jsa");
    private static final Path FINGERPRINT = HOME.resolve("fingerprint");

    private static List<String> options;

    private RelayClassData() {
    }

    /** The relay JVM's class path option, and the archive's when there is one. */
    static synchronized List<String> options() {
        if (options == null) {
            String classPath = System.getProperty("java.class.path");
            try {
                options = prepared(classPath);
            } catch (Exception | AssertionError failed) {
                System.err.println("Relays start without a class-data archive: " + failed);
                options = List.of("-cp", classPath);
            }
        }
        return options;
    }

    private static List<String> prepared(String classPath) throws Exception {
        Files.createDirectories(HOME);
        try (FileChannel lockFile = FileChannel.open(HOME.resolve("lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
             FileLock othersWait = lockFile.lock()) {
            List<String> entries = List.of(classPath.split(File.pathSeparator));
            List<String> jarred = new ArrayList<>();
            for (String entry : entries) {
                Path path = Path.of(entry);
                jarred.add(Files.isDirectory(path) ? HOME.resolve(path.getFileName() + ".jar").toAbsolutePath().toString() : entry);
            }
            String jarClassPath = String.join(File.pathSeparator, jarred);
            List<String> withArchive = List.of("-cp", jarClassPath, "-XX:SharedArchiveFile=" + ARCHIVE.toAbsolutePath());
            String fingerprint = fingerprint(entries);
            if (Files.exists(ARCHIVE) && Files.exists(FINGERPRINT) && Files.readString(FINGERPRINT).equals(fingerprint)) {
                return withArchive;
            }
            Files.deleteIfExists(FINGERPRINT);
            for (int i = 0; i < entries.size(); i++) {
                Path path = Path.of(entries.get(i));
                if (Files.isDirectory(path)) {
                    jar(path, Path.of(jarred.get(i)));
                }
            }
            archive(jarClassPath);
            Files.writeString(FINGERPRINT, fingerprint);
            return withArchive;
        }
    }

    /** Starts a relay that writes the archive when it exits, once it has taken and dispatched a webhook. */
    private static void archive(String jarClassPath) throws Exception {
        Path made = HOME.resolve("relay.jsa.new");
        Files.deleteIfExists(made);
        Path work = Files.createTempDirectory("relay-class-data");
        try {
            List<String> command = RelayProcess.javaCommandWith(List.of("-cp", jarClassPath));
            command.add("-XX:ArchiveClassesAtExit=" + made.toAbsolutePath());
            try (RelayProcess relay = RelayProcess.launch(command, work.resolve("data"), "archive", Map.of())) {
                RawHttp.Answer answer = relay.send("ticket.updated", Samples.bytes("ticket-basic.json"));
                if (answer.status() != 202) {
                    throw new IllegalStateException("the archive's relay answered " + answer.raw());
                }
                TestRelay.await("the archive's relay to dispatch its webhook", Duration.ofSeconds(60),
                        () -> TestRelay.uncheck(() -> relay.metric("tito_webhooks_processed_total") >= 1));
                relay.terminate(Duration.ofSeconds(60));
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
