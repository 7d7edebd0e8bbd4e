package titorelay.inbox;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.apache.camel.Exchange;
import org.apache.camel.component.kafka.KafkaConstants;
import org.apache.camel.component.kafka.consumer.DefaultKafkaManualCommit;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;

/**
 * A batch's hold on its partitions, confirmed just before each spreadsheet write: the batch's start offsets are
 * committed again (nothing before them is left undone, so this changes nothing), which the group coordinator accepts
 * only from a member of the current generation, that is, while the partitions are still this relay's. The answer
 * holds for a lease shorter than the session: a commit that took longer, or failed, or a member the group dropped
 * (frozen, cut off), ends the lease, and the batch is given up uncommitted for the partitions' owner.
 * <p>
 * Left open: a write that leaves within the lease but reaches Google late (a pause between the confirmation and the
 * request going out, a slow network) still lands; the spreadsheet itself cannot refuse a stale writer.
 */
final class KafkaBatchLease {

    private final Consumer<?, ?> consumer;
    private final Map<TopicPartition, OffsetAndMetadata> starts;
    private final long leaseNanos;
    private volatile DispatchOwnershipLost lost;

    private KafkaBatchLease(Consumer<?, ?> consumer, Map<TopicPartition, OffsetAndMetadata> starts, long leaseNanos) {
        this.consumer = consumer;
        this.starts = starts;
        this.leaseNanos = leaseNanos;
    }

    /** The lease of a polled batch (its records in partition order), for at most {@code lease} after a confirmation. */
    static KafkaBatchLease of(List<Exchange> records, Duration lease) {
        Map<TopicPartition, OffsetAndMetadata> starts = new LinkedHashMap<>();
        for (Exchange record : records) {
            DefaultKafkaManualCommit commit = commitOf(record);
            starts.putIfAbsent(commit.getPartition(), new OffsetAndMetadata(commit.getRecordOffset()));
        }
        return new KafkaBatchLease(consumerOf(records.get(0)), starts, lease.toNanos());
    }

    static Consumer<?, ?> consumerOf(Exchange record) {
        return commitOf(record).getConsumer();
    }

    static TopicPartition partitionOf(Exchange record) {
        return commitOf(record).getPartition();
    }

    static long offsetOf(Exchange record) {
        return commitOf(record).getRecordOffset();
    }

    private static DefaultKafkaManualCommit commitOf(Exchange record) {
        return record.getMessage().getHeader(KafkaConstants.MANUAL_COMMIT, DefaultKafkaManualCommit.class);
    }

    /**
     * Returns if the batch's partitions are still this relay's, confirmed by the coordinator within the lease; else
     * throws, now and at every later call. Called from the spreadsheet's writer while the consumer's own thread waits
     * for the batch, so the two never use the consumer at once.
     */
    void confirm() throws DispatchOwnershipLost {
        DispatchOwnershipLost already = lost;
        if (already != null) {
            throw already;
        }
        long sent = System.nanoTime();
        try {
            consumer.commitSync(starts, Duration.ofNanos(leaseNanos));
        } catch (KafkaException notConfirmed) {
            throw lose("the consumer group did not confirm partitions " + starts.keySet() + " as this relay's ("
                       + notConfirmed + ")", notConfirmed);
        }
        long took = System.nanoTime() - sent;
        if (took > leaseNanos) {
            throw lose("confirming partitions " + starts.keySet() + " took " + took / 1_000_000 + " ms, longer than the"
                       + " lease of " + leaseNanos / 1_000_000 + " ms", null);
        }
    }

    private synchronized DispatchOwnershipLost lose(String why, Throwable cause) {
        if (lost == null) {
            lost = new DispatchOwnershipLost(why + "; its partition's owner dispatches the batch", cause);
        }
        return lost;
    }

    boolean isLost() {
        return lost != null;
    }

    /** Where each of the batch's partitions must be read again from, the batch being given up. */
    Map<TopicPartition, Long> starts() {
        Map<TopicPartition, Long> offsets = new LinkedHashMap<>();
        starts.forEach((partition, start) -> offsets.put(partition, start.offset()));
        return offsets;
    }
}
