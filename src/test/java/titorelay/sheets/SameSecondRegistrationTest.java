package titorelay.sheets;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import titorelay.support.Samples;
import titorelay.support.TestRelay;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Tito sends registration.finished and registration.completed in the same second when nothing is left to assign, and
 * they can arrive in either order. At the same Updated at the arrival order cannot say which is newer: the
 * Registrations tab's State keeps the later of finished, completed, cancelled (sheet-columns.yaml's progress). A
 * newer change still wins whatever its state.
 */
class SameSecondRegistrationTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String SECOND = "2022-03-26 07:59:13 UTC";

    @TempDir
    Path data;

    @Test
    void atTheSameUpdatedAtTheStateNeverGoesBack() throws Exception {
        try (TestRelay relay = TestRelay.start(data)) {
            send(relay, "registration.completed", registration("reg_completed_first", SECOND));
            send(relay, "registration.finished", registration("reg_completed_first", SECOND));

            send(relay, "registration.finished", registration("reg_finished_first", SECOND));
            send(relay, "registration.completed", registration("reg_finished_first", SECOND));

            send(relay, "registration.completed", registration("reg_cancelled", SECOND));
            send(relay, "registration.cancelled", registration("reg_cancelled", SECOND));
            send(relay, "registration.finished", registration("reg_cancelled", SECOND));

            send(relay, "registration.completed", registration("reg_finished_later", SECOND));
            send(relay, "registration.finished", registration("reg_finished_later", "2022-03-26 08:05:00 UTC"));
        }

        Map<String, Map<String, String>> rows = CancelledRegistrationTest.rowsBySlug(data.resolve("sheets/Registrations.csv"));
        assertEquals("completed", rows.get("reg_completed_first").get("State"), "finished came last, in the same second");
        assertEquals("completed", rows.get("reg_finished_first").get("State"));
        assertEquals("cancelled", rows.get("reg_cancelled").get("State"));
        assertEquals("finished", rows.get("reg_finished_later").get("State"), "a newer change wins, whatever its state");
        assertEquals("2022-03-26T08:05:00Z", rows.get("reg_finished_later").get("Updated at"));
        assertEquals(4, rows.size());
    }

    /** registration-v3.1.json as another registration, at {@code updatedAt}. */
    private static byte[] registration(String slug, String updatedAt) throws Exception {
        ObjectNode registration = (ObjectNode) JSON.readTree(Samples.bytes("registration-v3.1.json"));
        registration.put("slug", slug);
        registration.put("updated_at", updatedAt);
        return JSON.writeValueAsBytes(registration);
    }

    private static void send(TestRelay relay, String name, byte[] body) throws Exception {
        assertEquals(202, relay.send(name, body).status());
        TestRelay.await("dispatch of " + name, Duration.ofSeconds(30), () -> relay.inbox().isEmpty());
    }
}
