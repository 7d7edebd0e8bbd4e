package titorelay.support;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A bare HTTP/1.1 client over a socket, so tests can send exactly the bytes a hostile or sloppy client would: any
 * method, any header spelling, bodies that do not match their headers.
 */
public final class RawHttp {

    public record Answer(int status, Map<String, String> headers, String body, String raw) {
        public String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }
    }

    private final String method;
    private final String target;
    private final List<String> headerLines = new ArrayList<>();
    private byte[] body;
    private boolean chunked;

    private RawHttp(String method, String target) {
        this.method = method;
        this.target = target;
    }

    public static RawHttp request(String method, String target) {
        return new RawHttp(method, target);
    }

    public RawHttp header(String name, String value) {
        headerLines.add(name + ": " + value);
        return this;
    }

    /** A header line written as given, e.g. with a trailing bare newline in its value. */
    public RawHttp rawHeaderLine(String line) {
        headerLines.add(line);
        return this;
    }

    public RawHttp body(byte[] body) {
        this.body = body;
        return this;
    }

    /** The body is sent in chunks ({@code Transfer-Encoding: chunked}) instead of with a {@code Content-Length}. */
    public RawHttp chunked() {
        this.chunked = true;
        return this;
    }

    public Answer send(int port) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            return sendOn(socket);
        }
    }

    /** Sends on a connection already open (e.g. kept alive, with a {@code Connection: keep-alive} header), left open. */
    public Answer sendOn(Socket socket) throws IOException {
        socket.setSoTimeout(15_000);
        OutputStream out = socket.getOutputStream();
        byte[] request = bytes(socket.getPort());
        try {
            out.write(request);
            out.flush();
        } catch (IOException refusedMidBody) {
            // The server may answer (413) and close before reading everything: read its answer anyway.
        }
        return parse(readAll(socket.getInputStream()));
    }

    /** The request's bytes as {@link #send} writes them, for a test that writes several at once (pipelining). */
    public byte[] bytes(int port) {
        StringBuilder head = new StringBuilder();
        head.append(method).append(' ').append(target).append(" HTTP/1.1\r\n");
        head.append("Host: 127.0.0.1:").append(port).append("\r\n");
        // Only what the request says: a Connection header of its own replaces "close", and a request without a
        // body (a GET) has no Content-Length.
        if (headerLines.stream().noneMatch(line -> line.toLowerCase(Locale.ROOT).startsWith("connection:"))) {
            head.append("Connection: close\r\n");
        }
        for (String line : headerLines) {
            head.append(line).append("\r\n");
        }
        if (chunked) {
            head.append("Transfer-Encoding: chunked\r\n");
        } else if (body != null) {
            head.append("Content-Length: ").append(body.length).append("\r\n");
        }
        head.append("\r\n");
        ByteArrayOutputStream request = new ByteArrayOutputStream();
        request.writeBytes(head.toString().getBytes(StandardCharsets.ISO_8859_1));
        if (body == null) {
            // nothing follows the head
        } else if (!chunked) {
            request.writeBytes(body);
        } else {
            int chunk = 64 * 1024;
            for (int i = 0; i < body.length; i += chunk) {
                int n = Math.min(chunk, body.length - i);
                request.writeBytes((Integer.toHexString(n) + "\r\n").getBytes(StandardCharsets.US_ASCII));
                request.write(body, i, n);
                request.writeBytes("\r\n".getBytes(StandardCharsets.US_ASCII));
            }
            request.writeBytes("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        }
        return request.toByteArray();
    }

    /** Until the answer is complete (by its Content-Length or last chunk) or the server closes the connection. */
    private static byte[] readAll(InputStream in) throws IOException {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        byte[] buffer = new byte[8192];
        try {
            for (int n; !complete(all.toByteArray()) && (n = in.read(buffer)) > 0; ) {
                all.write(buffer, 0, n);
            }
        } catch (IOException resetAfterAnswer) {
            // A connection reset after the answer was sent still leaves the answer readable.
        }
        return all.toByteArray();
    }

    private static boolean complete(byte[] bytes) {
        String raw = new String(bytes, StandardCharsets.ISO_8859_1);
        int end = raw.indexOf("\r\n\r\n");
        if (end < 0) {
            return false;
        }
        String head = raw.substring(0, end).toLowerCase(Locale.ROOT);
        java.util.regex.Matcher length = java.util.regex.Pattern.compile("\r\ncontent-length:\\s*(\\d+)").matcher(head);
        if (length.find()) {
            return raw.length() - end - 4 >= Integer.parseInt(length.group(1));
        }
        if (head.contains("\r\ntransfer-encoding: chunked")) {
            return raw.endsWith("\r\n0\r\n\r\n") || raw.substring(end + 4).startsWith("0\r\n\r\n");
        }
        return false; // its end is the end of the connection
    }

    private static Answer parse(byte[] bytes) {
        String raw = new String(bytes, StandardCharsets.ISO_8859_1);
        int end = raw.indexOf("\r\n\r\n");
        if (end < 0) {
            throw new IllegalStateException("no HTTP answer, got: " + raw);
        }
        String[] lines = raw.substring(0, end).split("\r\n");
        int status = Integer.parseInt(lines[0].split(" ")[1]);
        Map<String, String> headers = new LinkedHashMap<>();
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            headers.put(lines[i].substring(0, colon).strip().toLowerCase(Locale.ROOT), lines[i].substring(colon + 1).strip());
        }
        String body = raw.substring(end + 4);
        if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
            body = dechunk(body);
        }
        return new Answer(status, headers, body, raw);
    }

    private static String dechunk(String chunked) {
        StringBuilder body = new StringBuilder();
        int at = 0;
        while (true) {
            int eol = chunked.indexOf("\r\n", at);
            int size = Integer.parseInt(chunked.substring(at, eol).strip(), 16);
            if (size == 0) {
                return body.toString();
            }
            body.append(chunked, eol + 2, eol + 2 + size);
            at = eol + 2 + size + 2;
        }
    }
}
