package titorelay.deliverylog;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.h2.api.Trigger;

/**
 * A fault put into the delivery log's own database: each new line waits until released (a slow database), or fails
 * (a broken one). Set by a test with CREATE TRIGGER; static, since H2 makes the instance.
 */
public final class FaultyDatabaseTrigger implements Trigger {

    static volatile CountDownLatch release = new CountDownLatch(0);
    static volatile boolean fails;
    static final AtomicInteger stalled = new AtomicInteger();
    static final AtomicInteger failed = new AtomicInteger();

    static void reset() {
        release = new CountDownLatch(0);
        fails = false;
        stalled.set(0);
        failed.set(0);
    }

    @Override
    public void fire(Connection connection, Object[] oldRow, Object[] newRow) throws SQLException {
        if (fails) {
            failed.incrementAndGet();
            throw new SQLException("the disk under the delivery log failed");
        }
        if (release.getCount() > 0) {
            stalled.incrementAndGet();
            try {
                if (!release.await(30, TimeUnit.SECONDS)) {
                    throw new SQLException("never released");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new SQLException(e);
            }
        }
    }
}
