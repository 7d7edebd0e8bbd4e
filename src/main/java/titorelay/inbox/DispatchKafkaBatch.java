package titorelay.inbox;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.camel.AsyncCallback;
import org.apache.camel.AsyncProducer;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.component.kafka.KafkaConstants;
import org.apache.camel.component.kafka.consumer.KafkaManualCommit;
import org.apache.camel.support.AsyncProcessorSupport;
import org.apache.camel.support.DefaultExchange;
import org.apache.camel.support.service.ServiceHelper;
import org.apache.kafka.clients.consumer.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Dispatch's step for a batch of inbox records that camel-kafka's consumer polled (relay.inbox.kind=kafka): starts
 * every record's dispatch at once (a sink may hold one until its batch is written, as with the journal), and commits
 * the batch's offsets only when every one of them is done: its sinks finished, or its dead letter is kept. The
 * consumer takes the next batch only then, so a committed offset never passes a delivery not done: a relay killed
 * meanwhile leaves the whole batch to the relay that gets its partition (or to itself, started again), where the
 * repeats of what it had done are dropped by the dedupe store.
 * <p>
 * A delivery whose dead letter could not be written (disk full) is dispatched again after
 * relay.dispatch.redelivery-delay-ms, as the journal takes it again; the batch is not committed meanwhile. If the relay
 * stops first, the batch fails uncommitted, and is read again at the next start.
 */
final class DispatchKafkaBatch extends AsyncProcessorSupport implements DispatchOwnership {

    private static final Logger LOG = LoggerFactory.getLogger(DispatchKafkaBatch.class);

    private final CamelContext camelContext;
    private final String dispatchUri;
    private final long retryDelayMs;
    private final Duration lease;
    private final Set<Batch> waiting = ConcurrentHashMap.newKeySet();
    private final KafkaRewind rewind = new KafkaRewind();
    /** Held while another thread than the consumer's uses the consumer (to confirm the lease, or to commit). */
    private final Object consumerInUse = new Object();
    /** The batch being dispatched, until it is committed or given up. */
    private volatile Batch current;
    /** The names of the deliveries of the batches under way (not all done, not committed). */
    private final Set<String> notDone = ConcurrentHashMap.newKeySet();
    private AsyncProducer dispatch;
    private ScheduledExecutorService retries;
    /** The consumer group's generation when the latest batch was polled: it changes whenever partitions were given out. */
    private volatile long generation = -1;

    /** @param lease how long a confirmation that a batch's partitions are this relay's holds: less than the session */
    DispatchKafkaBatch(CamelContext camelContext, String dispatchUri, long retryDelayMs, Duration lease) {
        this.camelContext = camelContext;
        this.dispatchUri = dispatchUri;
        this.retryDelayMs = retryDelayMs;
        this.lease = lease;
    }

    @Override
    protected void doStart() throws Exception {
        dispatch = camelContext.getEndpoint(dispatchUri).createAsyncProducer();
        ServiceHelper.startService(dispatch);
        retries = camelContext.getExecutorServiceManager().newSingleThreadScheduledExecutor(this, "kafka-inbox-retry");
    }

    @Override
    protected void doStop() throws Exception {
        camelContext.getExecutorServiceManager().shutdownNow(retries);
        for (Batch batch : waiting) {
            if (waiting.remove(batch)) {
                batch.abandon("stopped before every delivery of the batch was done");
            }
        }
        ServiceHelper.stopAndShutdownService(dispatch);
    }

    @Override
    public boolean process(Exchange batch, AsyncCallback callback) {
        List<?> records = batch.getMessage().getBody(List.class);
        if (records == null || records.isEmpty()) {
            callback.done(true);
            return true;
        }
        List<Exchange> polled = new ArrayList<>();
        for (Object record : records) {
            polled.add((Exchange) record);
        }
        // On the consumer's own thread (the only one that may use it now), before any of the batch reaches a sink.
        Consumer<?, ?> consumer = KafkaBatchLease.consumerOf(polled.get(0));
        generation = consumer.groupMetadata().generationId();
        List<Exchange> toDispatch = rewind.toDispatch(consumer, polled);
        if (toDispatch.isEmpty()) {
            callback.done(true);
            return true;
        }
        toDispatch.forEach(record -> notDone.add(deliveryName(record)));
        Batch next = new Batch(batch, toDispatch, callback, KafkaBatchLease.of(toDispatch, lease));
        current = next;
        next.dispatch(toDispatch);
        return false;
    }

    /** Whether the delivery is in a batch not done yet, as the journal says of a delivery taken and not done. */
    boolean isNotDone(String deliveryName) {
        return notDone.contains(deliveryName);
    }

    private final class Batch {
        private final Exchange batch;
        private final List<Exchange> records;
        private final AsyncCallback callback;
        private final AtomicInteger pending = new AtomicInteger();
        private final Queue<Exchange> failed = new ConcurrentLinkedQueue<>();
        private final KafkaBatchLease lease;

        Batch(Exchange batch, List<Exchange> records, AsyncCallback callback, KafkaBatchLease lease) {
            this.batch = batch;
            this.records = records;
            this.callback = callback;
            this.lease = lease;
        }

        void dispatch(List<Exchange> some) {
            pending.set(some.size());
            for (Exchange record : some) {
                Exchange delivery = new DefaultExchange(camelContext);
                delivery.getMessage().setBody(record.getMessage().getBody(byte[].class));
                delivery.getMessage().setHeader(Exchange.FILE_NAME, deliveryName(record));
                try {
                    dispatch.process(delivery, doneSync -> ended(record, delivery.getException()));
                } catch (RuntimeException notStarted) {
                    ended(record, notStarted);
                }
            }
        }

        private void ended(Exchange record, Exception failure) {
            if (failure != null) {
                failed.add(record);
            }
            if (pending.decrementAndGet() > 0) {
                return;
            }
            if (failed.isEmpty()) {
                synchronized (consumerInUse) {
                    current = null;
                    commit();
                }
                forget();
                callback.done(false);
            } else if (lease.isLost()) {
                giveUp();
            } else if (!isRunAllowed() || camelContext.isStopping()) {
                abandon("stopped before every delivery of the batch was done");
            } else {
                List<Exchange> again = new ArrayList<>(failed);
                failed.clear();
                LOG.warn("{} deliveries of the Kafka inbox were not done (no dead letter could be kept): dispatching "
                         + "them again in {} ms; their offsets are not committed meanwhile", again.size(), retryDelayMs);
                waiting.add(this);
                retries.schedule(() -> {
                    if (waiting.remove(this)) {
                        dispatch(again);
                    }
                }, retryDelayMs, TimeUnit.MILLISECONDS);
            }
        }

        /**
         * Its partitions could not be confirmed as this relay's: the batch ends uncommitted, read again from its start
         * by whichever relay owns them (this one too, if the group gives them back).
         */
        private void giveUp() {
            LOG.warn("Gave up a batch of {} deliveries of the Kafka inbox, uncommitted: its partitions may be another "
                     + "relay's now", records.size());
            synchronized (consumerInUse) {
                current = null;
            }
            rewind.after(lease);
            abandon("its partitions could not be confirmed as this relay's");
        }

        /** Stopped while waiting to dispatch some again: the batch ends uncommitted, read again at the next start. */
        void abandon(String why) {
            batch.setException(new IllegalStateException(why + "; they stay in the topic"));
            forget();
            callback.done(false);
        }

        private void forget() {
            records.forEach(record -> notDone.remove(deliveryName(record)));
        }

        /**
         * Every record is done: the offset after the last of each partition. camel-kafka's synchronous manual commit,
         * from the thread that ended the last delivery: the consumer's own thread is waiting for this batch meanwhile,
         * so the two never use the (single-threaded) Kafka consumer at once.
         */
        private void commit() {
            Map<Object, KafkaManualCommit> lastByPartition = new LinkedHashMap<>();
            for (Exchange record : records) {
                lastByPartition.put(record.getMessage().getHeader(KafkaConstants.PARTITION),
                        record.getMessage().getHeader(KafkaConstants.MANUAL_COMMIT, KafkaManualCommit.class));
            }
            lastByPartition.forEach((partition, commit) -> {
                try {
                    commit.commit();
                } catch (RuntimeException e) {
                    // Its partition went to another relay meanwhile, or the broker is away: that relay, or this one
                    // later, dispatches these deliveries again, and the dedupe store drops them as repeats.
                    LOG.warn("Could not commit partition {} of the Kafka inbox after its deliveries were done (they "
                             + "will be read again, and dropped as repeats): {}", partition, e.toString());
                }
            });
        }
    }

    /**
     * The consumer group's generation of the latest batch: partitions given out again (a relay joined, left, or was
     * found dead) may have brought this relay a partition that another dispatched meanwhile.
     */
    @Override
    public long term() {
        return generation;
    }

    /**
     * Just before a spreadsheet write: the batch being dispatched is still this relay's (see {@link KafkaBatchLease}).
     * With none (the rows of the Tito API's mirror), nothing of the inbox is written.
     */
    @Override
    public void confirm() throws DispatchOwnershipLost {
        synchronized (consumerInUse) {
            Batch batch = current;
            if (batch != null) {
                batch.lease.confirm();
            }
        }
    }

    private static String deliveryName(Exchange record) {
        Object name = record.getMessage().getHeader(SendToKafkaInbox.DELIVERY_NAME);
        return name instanceof byte[] bytes ? new String(bytes, StandardCharsets.UTF_8) : String.valueOf(name);
    }
}
