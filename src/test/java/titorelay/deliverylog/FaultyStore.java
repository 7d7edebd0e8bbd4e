package titorelay.deliverylog;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A fault put into the delivery log's store: each new line waits until released (a slow disk), or fails (a broken
 * one).
 */
final class FaultyStore implements Runnable {

    volatile CountDownLatch release = new CountDownLatch(0);
    volatile boolean fails;
    final AtomicInteger stalled = new AtomicInteger();
    final AtomicInteger failed = new AtomicInteger();

    @Override
    public void run() {
        if (fails) {
            failed.incrementAndGet();
            throw new IllegalStateException("the disk under the delivery log failed");
        }
        if (release.getCount() > 0) {
            stalled.incrementAndGet();
            try {
                if (!release.await(30, TimeUnit.SECONDS)) {
                    throw new IllegalStateException("never released");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
    }
}
