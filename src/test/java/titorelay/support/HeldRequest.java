package titorelay.support;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A hostile client: a connection that sends a request's head and part of its body, then goes quiet, holding whatever
 * the server reserved for it. {@link #answerOrClose} tells what the server did about it.
 */
public final class HeldRequest implements AutoCloseable {

    private final Socket socket;
    private boolean refusedWhileSending;

    private HeldRequest(Socket socket) {
        this.socket = socket;
    }

    /** Declares {@code declared} body bytes (or, if negative, a chunked body) and sends {@code sent} of them. */
    public static HeldRequest open(int port, long declared, int sent) throws IOException {
        HeldRequest held = new HeldRequest(new Socket("127.0.0.1", port));
        String length = declared < 0 ? "Transfer-Encoding: chunked\r\n" : "Content-Length: " + declared + "\r\n";
        String head = "POST /webhooks/tito HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                      + "X-Webhook-Name: ticket.updated\r\nTito-Signature: bm90LXlldA==\r\n" + length + "\r\n";
        try {
            held.socket.getOutputStream().write(head.getBytes(StandardCharsets.US_ASCII));
            if (sent > 0) {
                byte[] body = new byte[sent];
                Arrays.fill(body, (byte) ' ');
                if (declared < 0) {
                    held.socket.getOutputStream().write((Integer.toHexString(sent) + "\r\n").getBytes(StandardCharsets.US_ASCII));
                }
                held.socket.getOutputStream().write(body);
            }
            held.socket.getOutputStream().flush();
        } catch (IOException refused) {
            held.refusedWhileSending = true; // the server answered and closed before taking the body
        }
        return held;
    }

    /** An idle connection that sends nothing at all. */
    public static HeldRequest idle(int port) throws IOException {
        return new HeldRequest(new Socket("127.0.0.1", port));
    }

    public boolean refusedWhileSending() {
        return refusedWhileSending;
    }

    /**
     * What the server sent before closing the connection (empty if it closed without a word), or null if it neither
     * answered nor closed within {@code waitMs}.
     */
    public String answerOrClose(int waitMs) throws IOException {
        socket.setSoTimeout(waitMs);
        ByteArrayOutputStream answer = new ByteArrayOutputStream();
        InputStream in = socket.getInputStream();
        byte[] buffer = new byte[4096];
        try {
            for (int n; (n = in.read(buffer)) > 0; ) {
                answer.write(buffer, 0, n);
            }
        } catch (SocketTimeoutException stillOpen) {
            return answer.size() == 0 ? null : answer.toString(StandardCharsets.ISO_8859_1);
        } catch (IOException reset) {
            // closed with a reset: what came before it is the answer
        }
        return answer.toString(StandardCharsets.ISO_8859_1);
    }

    /** Ends the connection with a reset (RST), as a client that crashes or a middlebox does. */
    public void reset() throws IOException {
        socket.setSoLinger(true, 0);
        socket.close();
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
