package titorelay.inbox;

import java.io.IOException;
import java.util.concurrent.TimeUnit;

import org.apache.camel.AsyncCallback;
import org.apache.camel.AsyncProducer;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.component.kafka.KafkaConstants;
import org.apache.camel.component.kafka.KafkaEndpoint;
import org.apache.camel.component.kafka.KafkaProducer;
import org.apache.camel.support.AsyncProcessorSupport;
import org.apache.camel.support.DefaultExchange;
import org.apache.camel.support.service.ServiceHelper;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The ingress step storeInInbox with {@code relay.inbox.kind=kafka}: sends the sealed envelope in the body (the bytes
 * the journal would keep) to the inbox topic, and lets the route go on once the broker acknowledged it, or fail (503)
 * if it did not within relay.kafka.ack-timeout-ms. Like the journal's group commit, no thread waits for the broker:
 * camel-kafka's producer sends asynchronously and completes the exchange from the broker's acknowledgement.
 * <p>
 * camel-kafka's producer does all of it (idempotence, acks=all, batching, the callback, the failure on the exchange),
 * so this class only gives each record its key and the delivery's name, and nothing else of the request: the
 * webhook's HTTP headers are not copied into the record.
 */
final class SendToKafkaInbox extends AsyncProcessorSupport {

    private static final Logger LOG = LoggerFactory.getLogger(SendToKafkaInbox.class);
    /** How long the start waits for the topic's metadata (the relay starts all the same without it). */
    private static final long START_WAIT_MS = 3000;

    /** The record header with the delivery's name (its file name in the journal, and of its dead letter). */
    static final String DELIVERY_NAME = "Tito-Delivery-Name";

    private final CamelContext camelContext;
    private final KafkaInboxSettings settings;
    private final String recordKey;
    private final int maxBlockMs;
    private AsyncProducer producer;

    /**
     * @param recordKey every record's key. All the deliveries of one spreadsheet share it, so they go through one
     *                  partition, in arrival order: one relay at a time (the partition's owner in the consumer group)
     *                  writes that spreadsheet, and one ticket's or registration's deliveries stay in order. Sheets
     *                  takes a write a second per spreadsheet, so spreading one spreadsheet's rows over partitions
     *                  would only let relays race on it.
     * @param maxBlockMs the longest a send may hold its thread (relay.kafka.max-block-ms)
     */
    SendToKafkaInbox(CamelContext camelContext, KafkaInboxSettings settings, String recordKey, int maxBlockMs) {
        this.camelContext = camelContext;
        this.settings = settings;
        this.recordKey = recordKey;
        this.maxBlockMs = maxBlockMs;
    }

    @Override
    protected void doStart() throws Exception {
        KafkaEndpoint endpoint = camelContext.getEndpoint("kafka:" + settings.topic(), KafkaEndpoint.class);
        var configuration = endpoint.getConfiguration();
        configuration.setRequestRequiredAcks("all");
        configuration.setEnableIdempotence(true);
        // The sends of the requests arriving together share a produce request, as they share an fsync in the journal.
        configuration.setLingerMs(settings.lingerMs());
        // A webhook the broker has not acknowledged by then fails (503), broker down or slow: delivery.timeout.ms
        // bounds the wait for the acknowledgement, which holds no thread.
        configuration.setDeliveryTimeoutMs(settings.ackTimeoutMs());
        configuration.setRequestTimeoutMs(settings.ackTimeoutMs() - settings.lingerMs());
        // The producer's send waits on the calling thread, a worker of the webhook port, for the topic's metadata
        // (never fetched while the brokers could not be reached) or for room in its buffer: a short bound, so that a
        // broker away parks no worker for long (the webhook is answered 503), rather than the acknowledgement's.
        configuration.setMaxBlockMs(maxBlockMs);
        configuration.setValueSerializer("org.apache.kafka.common.serialization.ByteArraySerializer");
        configuration.setRecordMetadata(false);
        producer = endpoint.createAsyncProducer();
        ServiceHelper.startService(producer);
        fetchMetadata(((KafkaProducer) producer).getKafkaProducer());
    }

    /**
     * The topic's metadata now, so that the first webhooks find it (and a missing topic or an unreachable broker is in
     * the log at start): a first fetch from a JVM just started takes longer than relay.kafka.max-block-ms, so it is
     * asked again for up to {@link #START_WAIT_MS}. Not fatal: the producer goes on asking for it in the background,
     * and the inbox health check says what is wrong meanwhile.
     */
    private void fetchMetadata(org.apache.kafka.clients.producer.Producer<?, ?> client) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(START_WAIT_MS);
        while (true) {
            try {
                LOG.info("The Kafka inbox topic {} has {} partition(s)", settings.topic(),
                        client.partitionsFor(settings.topic()).size());
                return;
            } catch (TimeoutException e) {
                if (System.nanoTime() - deadline > 0) {
                    LOG.warn("The Kafka inbox topic {} was not fetched from the brokers within {} ms at start ({}); "
                             + "the producer goes on asking for it, and webhooks are answered 503 until it has it",
                            settings.topic(), START_WAIT_MS, e.toString());
                    return;
                }
            } catch (KafkaException e) {
                LOG.warn("Cannot fetch the Kafka inbox topic {} from the brokers at start: {}", settings.topic(),
                        e.toString());
                return;
            }
        }
    }

    @Override
    protected void doStop() throws Exception {
        ServiceHelper.stopAndShutdownService(producer);
    }

    @Override
    public boolean process(Exchange exchange, AsyncCallback callback) {
        Exchange record = new DefaultExchange(camelContext);
        record.getMessage().setBody(exchange.getMessage().getBody(byte[].class));
        record.getMessage().setHeader(KafkaConstants.KEY, recordKey);
        record.getMessage().setHeader(DELIVERY_NAME, exchange.getMessage().getHeader(Exchange.FILE_NAME, String.class));
        return producer.process(record, doneSync -> {
            Exception failure = record.getException();
            if (failure != null) {
                exchange.setException(new IOException("the Kafka broker did not acknowledge the webhook: "
                                                      + failure.getMessage(), failure));
            }
            callback.done(doneSync);
        });
    }
}
