package titorelay.dedupe;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;

import org.apache.camel.CamelContext;
import org.apache.camel.processor.idempotent.jdbc.JdbcMessageIdRepository;
import org.apache.camel.spi.IdempotentRepository;
import org.h2.jdbcx.JdbcDataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import titorelay.settings.Settings;
import titorelay.storage.DataDirectory;

/**
 * Where the relay remembers what it has done, one record per name (dispatch, each email sent): by default files
 * under {@code data/dedupe/} answered from memory ({@link RecentKeys}); with {@code relay.dedupe.jdbc-url}, a shared
 * database that several relays dedupe together in ({@link DedupeDatabase}).
 */
public final class DedupeStore {

    private static final Logger LOG = LoggerFactory.getLogger(DedupeStore.class);
    /** The embedded H2 database of earlier versions, read once into the record files. */
    private static final String EARLIER_DATABASE = "deliveries";

    private DedupeStore() {
    }

    /**
     * The record of {@code name}; with {@code syncEachAdd}, each add is on disk before it returns (see
     * {@link RecentKeys}). Started and stopped with the relay.
     */
    public static IdempotentRepository repository(CamelContext camelContext, String name, boolean syncEachAdd)
            throws Exception {
        Settings settings = Settings.of(camelContext);
        if (!settings.text("relay.dedupe.jdbc-url").isBlank()) {
            JdbcMessageIdRepository shared = new JdbcMessageIdRepository(DedupeDatabase.of(camelContext), name);
            // Started here rather than by an idempotent consumer: a route's step may use it directly.
            camelContext.addService(shared);
            return shared;
        }
        Path directory = DataDirectory.of(camelContext).resolve("dedupe");
        Path file = directory.resolve(name + ".keys");
        RecentKeys keys = new RecentKeys(file, settings.integer("relay.dedupe.remember"), syncEachAdd);
        if (!Files.exists(file) && Files.exists(directory.resolve(EARLIER_DATABASE + ".mv.db"))) {
            keys.start();
            importEarlier(directory, name, keys);
            keys.stop();
        }
        camelContext.addService(keys);
        return keys;
    }

    /** Upgrading: what an earlier version recorded in its embedded H2 database, oldest first. */
    private static void importEarlier(Path directory, String name, RecentKeys keys) throws SQLException {
        JdbcDataSource h2 = new JdbcDataSource();
        h2.setURL("jdbc:h2:file:" + directory.resolve(EARLIER_DATABASE).toAbsolutePath()
                  + ";ACCESS_MODE_DATA=r;TRACE_LEVEL_FILE=0");
        int imported = 0;
        try (Connection connection = h2.getConnection();
                PreparedStatement query = connection.prepareStatement("SELECT messageId FROM CAMEL_MESSAGEPROCESSED"
                        + " WHERE processorName = ? ORDER BY createdAt")) {
            query.setString(1, name);
            try (ResultSet rows = query.executeQuery()) {
                while (rows.next()) {
                    keys.add(rows.getString(1));
                    imported++;
                }
            }
        } catch (SQLException e) {
            if (!e.getMessage().contains("CAMEL_MESSAGEPROCESSED")) {
                throw e;
            }
            // an earlier version's database that never recorded anything
        }
        LOG.info("Read {} record(s) of {} from the earlier dedupe database {}", imported, name,
                directory.resolve(EARLIER_DATABASE + ".mv.db"));
    }
}
