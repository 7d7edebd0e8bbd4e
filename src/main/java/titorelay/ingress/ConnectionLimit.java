package titorelay.ingress;

import java.util.concurrent.atomic.AtomicInteger;

import io.vertx.core.Handler;
import io.vertx.core.http.HttpConnection;

/**
 * At most {@code maxConnections} open connections on the webhook port: one beyond is closed as soon as it is
 * accepted, before it can send anything (a client that wants to be served tries again later; Tito does).
 */
final class ConnectionLimit implements Handler<HttpConnection> {

    private final int maxConnections;
    private final WebhookRejections rejections;
    private final AtomicInteger open = new AtomicInteger();

    ConnectionLimit(int maxConnections, WebhookRejections rejections) {
        this.maxConnections = maxConnections;
        this.rejections = rejections;
    }

    @Override
    public void handle(HttpConnection connection) {
        if (open.incrementAndGet() > maxConnections) {
            open.decrementAndGet();
            rejections.count("too-many-connections");
            connection.close();
            return;
        }
        connection.closeHandler(closed -> open.decrementAndGet());
    }

    int open() {
        return open.get();
    }
}
