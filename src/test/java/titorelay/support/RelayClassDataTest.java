package titorelay.support;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The relay JVMs that tests start take the relay's classes from the class-data archive, not from their jars. */
class RelayClassDataTest {

    @Test
    void aRelayJvmLoadsTheRelaysClassesFromTheArchive() throws Exception {
        RelayClassData.awaitOptions(Duration.ofSeconds(120));
        List<String> command = RelayProcess.javaCommand();
        assertTrue(command.stream().anyMatch(option -> option.startsWith("-XX:SharedArchiveFile=")), command.toString());
        command.addAll(RelayProcess.HEAP_AND_COLLECTOR);
        command.addAll(List.of("-Xlog:class+load=info", LoadsTheRelaysClasses.class.getName()));
        Process jvm = new ProcessBuilder(command).redirectErrorStream(true).start();
        String log = new String(jvm.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(jvm.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, jvm.exitValue(), log);
        for (String name : List.of("titorelay.RelayMain", "org.apache.camel.main.Main",
                "org.apache.camel.dsl.yaml.YamlRoutesBuilderLoader")) {
            assertTrue(log.lines().anyMatch(line -> line.contains(" " + name + " source: shared objects file")),
                    name + " from the archive:\n" + log.lines().filter(line -> line.contains(" " + name + " ")).toList());
        }
    }

    /** Loads three of the classes a relay loads at start. */
    public static final class LoadsTheRelaysClasses {
        public static void main(String[] args) throws Exception {
            for (String name : List.of("titorelay.RelayMain", "org.apache.camel.main.Main",
                    "org.apache.camel.dsl.yaml.YamlRoutesBuilderLoader")) {
                Class.forName(name);
            }
        }
    }
}
