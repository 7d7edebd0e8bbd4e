package titorelay;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import titorelay.support.JvmOptionsFile;
import titorelay.support.JvmOptionsProbe;
import titorelay.support.RelayProcess;
import titorelay.support.Samples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * jvm.options, the JVM options the README gives for a small machine ({@code java @jvm.options -jar ...}): the relay
 * runs with them, and their native memory settings do what the README says, against a JVM without them.
 */
class JvmOptionsTest {

    private static final Path JVM_OPTIONS = JvmOptionsFile.PATH.toAbsolutePath();
    private static final long MEGABYTE = 1 << 20;

    @TempDir
    Path work;

    @Test
    void theRelayRunsWithTheOptionsFile() throws Exception {
        try (RelayProcess relay = RelayProcess.start(List.of("@" + JVM_OPTIONS), work.resolve("data"), "run",
                Map.of())) {
            assertEquals(202, relay.send("ticket.updated", Samples.bytes("ticket-basic.json")).status());
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (relay.metric("tito_webhooks_processed_total") < 1) {
                assertTrue(System.nanoTime() < deadline, "the delivery was not processed within 30 s");
                Thread.sleep(50);
            }

            String commandLine = run(List.of(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
                    String.valueOf(relay.pid()), "VM.command_line"));
            for (String option : JvmOptionsFile.options()) {
                assertTrue(commandLine.contains(option), option + " is not in the relay's command line:\n" + commandLine);
            }
        }
    }

    @Test
    void theNativeMemorySettingsKeepTheBuffersSmall() throws Exception {
        Map<String, String> without = probe(List.of());
        Map<String, String> with = probe(List.of("@" + JVM_OPTIONS));

        // Without them: a pool per I/O thread, each taking a chunk of 4 MB at its first buffer, the whole megabyte
        // kept by the JDK after the write, and no trimming.
        assertTrue(Long.parseLong(without.get("vertx.direct-pools")) > 1, without.toString());
        assertTrue(Long.parseLong(without.get("vertx.native-bytes-for-one-small-buffer")) > MEGABYTE, without.toString());
        assertTrue(Long.parseLong(without.get("jdk.kept-after-a-1MB-write")) >= MEGABYTE, without.toString());
        assertEquals("0", without.get("trim-native-heap-interval"));

        for (String pool : List.of("vertx", "netty")) {
            assertEquals("1", with.get(pool + ".direct-pools"), with.toString());
            assertEquals(String.valueOf(MEGABYTE), with.get(pool + ".native-bytes-for-one-small-buffer"), with.toString());
        }
        assertEquals("0", with.get("jdk.kept-after-a-1MB-write"), with.toString());
        assertEquals("1000", with.get("trim-native-heap-interval"));
    }

    /** The probe's facts in a JVM with these options (and the tests' own). */
    private static Map<String, String> probe(List<String> options) throws Exception {
        List<String> command = RelayProcess.javaCommand();
        command.addAll(options);
        command.add(JvmOptionsProbe.class.getName());
        Map<String, String> facts = new HashMap<>();
        for (String line : run(command).split("\n")) {
            int equals = line.indexOf('=');
            if (equals > 0) {
                facts.put(line.substring(0, equals), line.substring(equals + 1).strip());
            }
        }
        return facts;
    }

    /** Runs a command to its end, which must be an exit with 0; its output. */
    private static String run(List<String> command) throws Exception {
        Process process = new ProcessBuilder(new ArrayList<>(command)).redirectErrorStream(true).start();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(60, TimeUnit.SECONDS), "still running: " + command);
        assertEquals(0, process.exitValue(), command + " failed:\n" + out);
        return out;
    }
}
