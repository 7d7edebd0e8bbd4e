package titorelay.inbox;

import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import org.apache.camel.AsyncCallback;
import org.apache.camel.Consumer;
import org.apache.camel.Endpoint;
import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.apache.camel.Producer;
import org.apache.camel.support.DefaultComponent;
import org.apache.camel.support.DefaultConsumer;
import org.apache.camel.support.DefaultEndpoint;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import titorelay.threads.ThreadFailures;

/**
 * The {@code inbox-journal:} endpoint that routes/dispatch.yaml consumes: each delivery of the inbox journal, in
 * order, as an exchange whose body is the stored envelope and whose {@code CamelFileName} is the delivery's name (a
 * dead letter keeps it). When the exchange completes, the delivery is done; if it failed (its dead letter could not be
 * written), it is taken again later. Like a consumer of a broker's topic, with the journal as the log and
 * {@link JournalCursor} as the committed position.
 */
public final class InboxJournalComponent extends DefaultComponent {

    private final InboxJournal journal;

    public InboxJournalComponent(InboxJournal journal) {
        this.journal = journal;
    }

    @Override
    protected Endpoint createEndpoint(String uri, String remaining, Map<String, Object> parameters) {
        return new JournalEndpoint(uri, this, journal);
    }

    private static final class JournalEndpoint extends DefaultEndpoint {
        private final InboxJournal journal;

        JournalEndpoint(String uri, InboxJournalComponent component, InboxJournal journal) {
            super(uri, component);
            this.journal = journal;
        }

        @Override
        public Producer createProducer() {
            throw new UnsupportedOperationException("inbox-journal: is read by dispatch; the ingress step storeInInbox "
                                                    + "writes to it");
        }

        @Override
        public Consumer createConsumer(Processor processor) throws Exception {
            JournalConsumer consumer = new JournalConsumer(this, processor, journal);
            configureConsumer(consumer);
            return consumer;
        }
    }

    /** One thread that takes the deliveries in order and starts each one's dispatch; sinks may complete them later. */
    private static final class JournalConsumer extends DefaultConsumer {
        private static final Logger LOG = LoggerFactory.getLogger(JournalConsumer.class);
        private static final long IDLE_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

        private final InboxJournal journal;
        private volatile boolean running;
        private Thread thread;

        JournalConsumer(Endpoint endpoint, Processor processor, InboxJournal journal) {
            super(endpoint, processor);
            this.journal = journal;
        }

        @Override
        protected void doStart() throws Exception {
            super.doStart();
            running = true;
            thread = new Thread(this::takeDeliveries, "inbox-journal-dispatch");
            thread.setDaemon(true);
            thread.start();
        }

        @Override
        protected void doStop() throws Exception {
            running = false;
            if (thread != null) {
                // Woken, not interrupted: an interrupt would close the journal's file channel it may be reading.
                LockSupport.unpark(thread);
                thread.join(TimeUnit.SECONDS.toMillis(10));
            }
            super.doStop();
        }

        private void takeDeliveries() {
            long retryMillis = 100;
            while (running) {
                try {
                    JournalCursor.Taken delivery = journal.next(IDLE_NANOS);
                    if (delivery != null) {
                        dispatch(delivery);
                    }
                    retryMillis = 100;
                } catch (Exception | Error e) {
                    ThreadFailures.exitIfFatal("Dispatch's journal reader", e);
                    if (!running) {
                        return;
                    }
                    LOG.error("Cannot read the inbox journal (its webhooks stay there; trying again in {} ms): {}",
                            retryMillis, e.toString());
                    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(retryMillis));
                    retryMillis = Math.min(retryMillis * 2, 30_000);
                }
            }
        }

        private void dispatch(JournalCursor.Taken delivery) {
            Exchange exchange = createExchange(false);
            exchange.getMessage().setBody(delivery.envelope);
            exchange.getMessage().setHeader(Exchange.FILE_NAME, delivery.fileName);
            AsyncCallback ended = doneSync -> {
                journal.ended(delivery, exchange.getException() == null);
                releaseExchange(exchange, false);
            };
            try {
                getAsyncProcessor().process(exchange, ended);
            } catch (RuntimeException | Error notStarted) {
                journal.ended(delivery, false); // never left in flight: taken again after the retry delay
                throw notStarted;
            }
        }
    }
}
