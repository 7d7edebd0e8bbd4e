package titorelay.dedupe;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Set;
import java.util.TreeSet;

import org.h2.tools.Server;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import titorelay.support.TestRelay;

/**
 * A database server for the relays to share: H2 in server mode on a free loopback port (it refuses other hosts
 * unless told otherwise), with one database whose administrator is {@link #USER} with {@link #PASSWORD}. Started
 * before each test and stopped after it, when registered with {@code @RegisterExtension}.
 */
public final class DatabaseServer implements BeforeEachCallback, AfterEachCallback {

    public static final String USER = "relay";
    public static final String PASSWORD = "Dd-s3cret-9f2c";

    private Server server;
    private Path baseDir;
    public String url;

    /** Every record's name, as the relays named them. */
    public Set<String> records() {
        Set<String> names = new TreeSet<>();
        try (Connection connection = DriverManager.getConnection(url, USER, PASSWORD);
             ResultSet rows = connection.createStatement().executeQuery(
                     "SELECT DISTINCT processorName FROM CAMEL_MESSAGEPROCESSED")) {
            while (rows.next()) {
                names.add(rows.getString(1));
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
        return names;
    }

    @Override
    public void beforeEach(ExtensionContext context) throws Exception {
        baseDir = Files.createTempDirectory("dedupe-database");
        server = Server.createTcpServer("-tcpPort", String.valueOf(TestRelay.freePort()), "-baseDir", baseDir.toString(),
                "-ifNotExists").start();
        url = "jdbc:h2:tcp://127.0.0.1:" + server.getPort() + "/dedupe";
        DriverManager.getConnection(url, USER, PASSWORD).close(); // the first connection creates it, and its user
    }

    /** The delivery keys the relays recorded as dispatched, read as any other client of the server would. */
    Set<String> dispatchedKeys() {
        return keys("dispatch");
    }

    /** The keys the relays recorded in one record of the dedupe store (dispatch, organizer-email, ...). */
    public Set<String> keys(String record) {
        Set<String> keys = new TreeSet<>();
        try (Connection connection = DriverManager.getConnection(url, USER, PASSWORD);
             var query = connection.prepareStatement(
                     "SELECT messageId FROM CAMEL_MESSAGEPROCESSED WHERE processorName = ?")) {
            query.setString(1, record);
            ResultSet rows = query.executeQuery();
            while (rows.next()) {
                keys.add(rows.getString(1));
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
        return keys;
    }

    @Override
    public void afterEach(ExtensionContext context) throws Exception {
        server.stop();
        try (var files = Files.walk(baseDir)) {
            for (Path file : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(file);
            }
        }
    }
}
