package titorelay.dedupe;

import java.sql.Connection;
import java.sql.Driver;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.regex.Pattern;

import javax.sql.DataSource;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import org.apache.camel.CamelContext;
import org.apache.camel.Service;
import org.apache.camel.support.service.ServiceSupport;
import org.springframework.jdbc.datasource.SimpleDriverDataSource;
import titorelay.settings.Settings;

/**
 * The shared database of {@code relay.dedupe.jdbc-url}, where several relays remember together what they have done
 * (see {@link DedupeStore}), reached by any JDBC URL whose driver is on the class path, with the user and password
 * given separately.
 * <p>
 * The password is never part of a message: a URL that carries one is refused (it would be shown wherever the URL
 * is), and a database that cannot be reached is reported by the driver's messages with the password masked, without
 * the driver's exception (whose text some drivers fill with the whole URL).
 */
public final class DedupeDatabase {

    private static final Pattern PASSWORD_IN_URL = Pattern.compile("(?i)password\\s*=");

    /** Where the first package to ask finds the store opened for this start, for the others. */
    private static final String BOUND_AS = "dedupeDatabase";

    private DedupeDatabase() {
    }

    /**
     * The relay's dedupe store ({@code relay.dedupe.*}), opened at the first call of a start and shared by every sink
     * that remembers what it did; its connections are closed when the relay has stopped.
     */
    public static DataSource of(CamelContext camelContext) throws Exception {
        DataSource shared = camelContext.getRegistry().lookupByNameAndType(BOUND_AS, DataSource.class);
        if (shared == null) {
            Settings settings = Settings.of(camelContext);
            shared = open(settings.text("relay.dedupe.jdbc-url"), settings.text("relay.dedupe.jdbc-user"),
                    settings.text("relay.dedupe.jdbc-password"));
            camelContext.getRegistry().bind(BOUND_AS, DataSource.class, shared);
            camelContext.addService(closedOnStop(shared));
        }
        return shared;
    }

    /** The dedupe store for these settings; a shared database is connected to once, so that a mistake stops the start. */
    private static DataSource open(String jdbcUrl, String user, String password) {
        if (PASSWORD_IN_URL.matcher(jdbcUrl).find()) {
            throw new IllegalArgumentException("relay.dedupe.jdbc-url must not contain a password: set"
                    + " relay.dedupe.jdbc-password (RELAY_DEDUPE_JDBC_PASSWORD in the environment) instead");
        }
        Driver driver;
        try {
            driver = DriverManager.getDriver(jdbcUrl);
        } catch (SQLException noDriver) {
            throw new IllegalArgumentException("No JDBC driver on the class path accepts relay.dedupe.jdbc-url ("
                    + scheme(jdbcUrl) + "…): add the database's driver jar, or correct the URL");
        }
        SimpleDriverDataSource connections = new SimpleDriverDataSource(driver, jdbcUrl, blankAsNull(user), password) {
            @Override
            public void setLoginTimeout(int seconds) {
                // The pool's connection timeout bounds the wait instead.
            }
        };
        try (Connection probe = connections.getConnection()) {
            return pool(connections);
        } catch (SQLException refused) {
            throw new IllegalStateException("Cannot connect to the dedupe database " + scheme(jdbcUrl) + "… as user '"
                    + user + "': " + messages(refused, password));
        }
    }

    /**
     * A few connections kept open: each delivery asks the store two or three times (dispatch, email), and a new
     * connection each time (a round trip and a password check) halved dispatch's pace against a local H2 server. The
     * pool is given the connections' source, never the URL or the password, so it cannot show them either. Dispatch,
     * the email sink and the inbox journal each use one at a time.
     */
    private static HikariDataSource pool(DataSource connections) {
        HikariConfig pool = new HikariConfig();
        pool.setPoolName("dedupe");
        pool.setDataSource(connections);
        pool.setMaximumPoolSize(4);
        pool.setMinimumIdle(1);
        pool.setConnectionTimeout(10_000);
        return new HikariDataSource(pool);
    }

    /** Closes the database's pooled connections when the relay has stopped (after its routes, which still use them). */
    private static Service closedOnStop(DataSource dataSource) {
        return new ServiceSupport() {
            @Override
            protected void doStop() {
                if (dataSource instanceof HikariDataSource pool) {
                    pool.close();
                }
            }
        };
    }

    /** "jdbc:postgresql" of "jdbc:postgresql://host/db?ssl=true": enough to say which database, nothing more. */
    private static String scheme(String jdbcUrl) {
        int second = jdbcUrl.indexOf(':', jdbcUrl.indexOf(':') + 1);
        return second < 0 ? "jdbc" : jdbcUrl.substring(0, second);
    }

    /** The messages of the exception and its causes, the password masked wherever a driver may have echoed it. */
    static String messages(Throwable failure, String password) {
        StringBuilder text = new StringBuilder();
        for (Throwable t = failure; t != null && t != t.getCause(); t = t.getCause()) {
            if (t.getMessage() != null) {
                text.append(text.length() == 0 ? "" : "; ").append(t.getMessage());
            }
        }
        String all = text.toString();
        if (password != null && !password.isEmpty()) {
            all = all.replace(password, "******");
        }
        return all;
    }

    private static String blankAsNull(String value) {
        return value == null || value.isEmpty() ? null : value;
    }
}
