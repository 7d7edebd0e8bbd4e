package titorelay.support;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntSupplier;

import titorelay.signature.TitoSignature;

/**
 * Sends webhooks the way Tito does: signed, several at a time, and again after any non-2xx answer or connection
 * error, until each one is acknowledged.
 */
public final class TitoSender {

    public record Delivery(String name, byte[] body) {
    }

    private final IntSupplier port;
    private final String token;
    private final AtomicInteger attempts = new AtomicInteger();

    /** The port is asked for on every attempt, so the relay may be restarted elsewhere meanwhile. */
    public TitoSender(IntSupplier port, String token) {
        this.port = port;
        this.token = token;
    }

    public int attempts() {
        return attempts.get();
    }

    public void sendAll(List<Delivery> deliveries, int connections) throws Exception {
        ExecutorService senders = Executors.newFixedThreadPool(connections);
        try {
            List<Future<?>> sent = new ArrayList<>();
            for (Delivery delivery : deliveries) {
                sent.add(senders.submit(() -> {
                    send(delivery);
                    return null;
                }));
            }
            for (Future<?> f : sent) {
                f.get();
            }
        } finally {
            senders.shutdownNow();
        }
    }

    /** Until a 2xx: a refused or failed request is sent again after a short pause, as Tito retries. */
    public void send(Delivery delivery) throws InterruptedException {
        long deadline = System.nanoTime() + 120_000_000_000L;
        while (System.nanoTime() < deadline) {
            attempts.incrementAndGet();
            try {
                int status = RawHttp.request("POST", "/webhooks/tito")
                        .header("Content-Type", "application/json")
                        .header("X-Webhook-Name", delivery.name())
                        .header("Tito-Signature", TitoSignature.sign(token, delivery.body()))
                        .body(delivery.body())
                        .send(port.getAsInt()).status();
                if (status / 100 == 2) {
                    return;
                }
            } catch (IOException | IllegalStateException relayDown) {
                // connection refused or cut: the relay is restarting
            }
            Thread.sleep(50);
        }
        throw new AssertionError("not acknowledged within two minutes: " + delivery.name());
    }
}
