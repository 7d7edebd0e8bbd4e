package titorelay.support;

import java.net.Socket;
import java.net.SocketException;
import java.util.Map;

import com.icegreen.greenmail.Managers;
import com.icegreen.greenmail.server.AbstractServer;
import com.icegreen.greenmail.server.ProtocolHandler;
import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;

/**
 * GreenMail's SMTP server on loopback, answering as promptly as a real mail server.
 * <p>
 * GreenMail writes a multi-line reply (EHLO's) one line at a time on a socket with Nagle's algorithm on: the second
 * line then waits for the client to acknowledge the first, which Linux delays by 40 ms. Every email the relay sent
 * took about 50 ms for that alone (a real server writes the reply at once), and tests that send hundreds of emails
 * spent most of their time there. The server's sockets here send each write at once; nothing else changes.
 */
public final class SmtpServer {

    private SmtpServer() {
    }

    /** A GreenMail SMTP server (not yet started) on 127.0.0.1:{@code port}. */
    public static GreenMail on(int port) {
        return new PromptGreenMail(new ServerSetup(port, "127.0.0.1", ServerSetup.PROTOCOL_SMTP));
    }

    private static final class PromptGreenMail extends GreenMail {

        PromptGreenMail(ServerSetup setup) {
            super(setup);
        }

        @Override
        protected Map<String, AbstractServer> createServices(ServerSetup[] config, Managers managers) {
            Map<String, AbstractServer> services = super.createServices(config, managers);
            ServerSetup smtp = services.get(ServerSetup.PROTOCOL_SMTP).getServerSetup();
            services.put(ServerSetup.PROTOCOL_SMTP, new com.icegreen.greenmail.smtp.SmtpServer(smtp, managers) {
                @Override
                protected ProtocolHandler createProtocolHandler(Socket client) {
                    try {
                        client.setTcpNoDelay(true);
                    } catch (SocketException e) {
                        throw new IllegalStateException("TCP_NODELAY on an SMTP client's socket", e);
                    }
                    return super.createProtocolHandler(client);
                }
            });
            return services;
        }
    }
}
