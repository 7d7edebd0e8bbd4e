package titorelay.dedupe;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.Timestamp;
import java.time.Duration;
import java.util.HexFormat;

import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import titorelay.support.Samples;
import titorelay.support.TestRelay;
import titorelay.support.Tickets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Upgrading from a version that kept its dedupe records in an embedded H2 database: what it recorded as dispatched is
 * still known, so a repeat of it after the upgrade is dropped, not dispatched again.
 */
class DedupeUpgradeTest {

    @TempDir
    Path data;

    @Test
    void aDeliveryTheEarlierVersionDispatchedIsARepeatAfterTheUpgrade() throws Exception {
        byte[] body = Samples.bytes("ticket-basic.json");
        // The delivery key as the README defines it: SHA-256 over the webhook name, a newline, and the body.
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        sha.update("ticket.updated\n".getBytes(StandardCharsets.UTF_8));
        String dispatchedBefore = HexFormat.of().formatHex(sha.digest(body));
        earlierDatabase(dispatchedBefore);

        try (TestRelay relay = TestRelay.start(data)) {
            assertEquals(202, relay.send("ticket.updated", body).status());
            // Sentinel: a later, new delivery, dispatched after the repeat was handled.
            assertEquals(202, relay.send("ticket.updated", Tickets.ticket("ti_after_upgrade", "complete", "After",
                    "2022-03-26 08:00:00 UTC")).status());
            TestRelay.await("both deliveries handled", Duration.ofSeconds(30), () -> relay.inbox().isEmpty()
                    && TestRelay.uncheck(() -> Files.readString(data.resolve("sheets/Tickets.csv")).contains("ti_after_upgrade")));
            assertEquals(1.0, relay.counter("tito_webhooks_duplicates_total"), "the earlier version's delivery is a repeat");
            assertFalse(Files.readString(data.resolve("sheets/Tickets.csv")).contains("1i5nfwf2t24"),
                    "and reaches no sink");
        }
        assertTrue(Files.exists(data.resolve("dedupe/dispatch.keys")));
    }

    /** The table Camel's JDBC idempotent repository made in data/dedupe/deliveries (H2), with one dispatched delivery. */
    private void earlierDatabase(String deliveryKey) throws Exception {
        Files.createDirectories(data.resolve("dedupe"));
        JdbcDataSource h2 = new JdbcDataSource();
        h2.setURL("jdbc:h2:file:" + data.resolve("dedupe/deliveries").toAbsolutePath());
        try (Connection connection = h2.getConnection()) {
            connection.createStatement().execute("CREATE TABLE CAMEL_MESSAGEPROCESSED (processorName VARCHAR(255),"
                    + " messageId VARCHAR(100), createdAt TIMESTAMP, PRIMARY KEY (processorName, messageId))");
            try (PreparedStatement insert = connection.prepareStatement(
                    "INSERT INTO CAMEL_MESSAGEPROCESSED (processorName, messageId, createdAt) VALUES (?, ?, ?)")) {
                insert.setString(1, "dispatch");
                insert.setString(2, deliveryKey);
                insert.setTimestamp(3, new Timestamp(System.currentTimeMillis()));
                insert.execute();
            }
        }
    }
}
