package titorelay.ingress;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpStatusClass;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.net.impl.ConnectionBase;

/**
 * Between the HTTP decoder and Vert.x on each connection of the webhook port, whatever the request's path: which
 * requests Vert.x gets to serve at all.
 * <p>
 * Vert.x reads a connection's next request as soon as it arrives, whether or not the client reads its answers: a
 * request that arrives while another is being answered (HTTP pipelining) waits in a queue in memory, and each answer
 * waits in memory until the client reads it, both without limit (one connection pipelining GETs without reading grew
 * the heap by 760 MB in 10 s). So, on each connection:
 * <ul>
 * <li>one request at a time: a request that arrives before the answer to the previous one was written is not served,
 * and the connection is closed once that answer is written (a pipelining client sends what was left unanswered
 * again, on a new connection: RFC 9112, section 9.3.2);</li>
 * <li>a request that arrives while the connection's write queue is full (its client does not read the answers) is not
 * served, and the connection is closed at once, dropping the answers it queued;</li>
 * <li>an answer that says {@code Connection: close} (the refusals of {@link RequestGuard}), or that is written before
 * its request's body had all arrived (a path with no route answers 404 at once), is the connection's last: nothing more
 * is read from it, and it is closed once that answer is written. Else a client could keep the connection, and its
 * place under the connection cap, for as long as it trickles a body nobody reads.</li>
 * </ul>
 * Tito sends one request at a time on a connection and reads each answer, so none of this happens to it.
 */
final class ConnectionGate extends ChannelDuplexHandler {

    /** The name Vert.x gives its own handler in each connection's pipeline, which this one goes in front of. */
    private static final String VERTX_HANDLER = "handler";

    private final WebhookRejections rejections;
    /** A request has been read and its answer not all written yet. */
    private boolean answerOwed;
    /** The last request read has all arrived, its body included. */
    private boolean requestEnded = true;
    /** The answer being written says {@code Connection: close}. */
    private boolean lastAnswer;
    /** No more requests are served: the connection closes once the answer owed (if any) is written. */
    private boolean ending;

    private ConnectionGate(WebhookRejections rejections) {
        this.rejections = rejections;
    }

    /** Into a new connection's pipeline, as the webhook port's server accepts it. */
    static void install(HttpConnection connection, WebhookRejections rejections) {
        // Vert.x offers no public way to a connection's pipeline.
        ChannelPipeline pipeline = ((ConnectionBase) connection).channelHandlerContext().pipeline();
        if (pipeline.get(VERTX_HANDLER) == null) {
            throw new IllegalStateException("Vert.x's connection pipeline has no handler named " + VERTX_HANDLER);
        }
        pipeline.addBefore(VERTX_HANDLER, "titorelay-connection-gate", new ConnectionGate(rejections));
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (ending) {
            ReferenceCountUtil.release(msg); // a request after the last answer, or its body
            stopReading(ctx);
            return;
        }
        if (msg instanceof HttpRequest request) {
            if (!ctx.channel().isActive()) {
                // What the decoder had of a head when the connection closed (the idle timeout, or its client left):
                // no request, and nobody to answer. Not one whose client does not read, either.
                ReferenceCountUtil.release(msg);
                return;
            }
            if (!ctx.channel().isWritable()) {
                ReferenceCountUtil.release(msg);
                ending = true;
                rejections.count("answers-unread");
                ClientFailures.log("closed: its client does not read the answers to its requests");
                // At once: Vert.x's own close would wait for the queued answers to be written, which never happens.
                ctx.close();
                return;
            }
            if (answerOwed) {
                ReferenceCountUtil.release(msg);
                ending = true;
                rejections.count("pipelined");
                stopReading(ctx);
                return;
            }
            answerOwed = true;
            // One without a body has all arrived: the decoder's empty last content, still to come, holds nothing.
            requestEnded = !HttpUtil.isTransferEncodingChunked(request) && HttpUtil.getContentLength(request, 0L) == 0;
        }
        if (msg instanceof LastHttpContent) {
            requestEnded = true;
        }
        ctx.fireChannelRead(msg);
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (msg instanceof HttpResponse response) {
            if (response.status().codeClass() == HttpStatusClass.INFORMATIONAL) {
                ctx.write(msg, promise); // 100 Continue: the answer is still to come
                return;
            }
            lastAnswer = response.headers().containsValue(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE, true);
        }
        if (msg instanceof LastHttpContent) {
            answerOwed = false;
            if ((lastAnswer || !requestEnded) && !ending) {
                ending = true;
                stopReading(ctx);
            }
            if (ending) {
                ctx.write(msg, promise.unvoid()).addListener(ChannelFutureListener.CLOSE);
                return;
            }
        }
        ctx.write(msg, promise);
    }

    /**
     * Nothing more is read from a connection that is ending (its bytes would only be thrown away), so that it goes
     * silent: if its client does not read the last answer either, the idle timeout closes it.
     */
    private static void stopReading(ChannelHandlerContext ctx) {
        ctx.channel().config().setAutoRead(false);
    }
}
