package titorelay.inbox;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import org.apache.camel.Exchange;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.common.TopicPartition;

/**
 * Keeps dispatch from passing over a batch it gave up: camel-kafka has already read on past it (and may hold records
 * polled after it), so the records of a partition past the batch's start are dropped unseen and the partition is
 * read again from there, if it is still this relay's. Records of a partition that is no longer this relay's (given to
 * another relay while they waited to be dispatched) are dropped too: its owner dispatches them.
 */
final class KafkaRewind {

    private final Map<TopicPartition, Long> resumeAt = new ConcurrentHashMap<>();

    /** The batch was given up: its partitions go back to where it started. */
    void after(KafkaBatchLease givenUp) {
        resumeAt.putAll(givenUp.starts());
    }

    /** The records of a polled batch to dispatch; on the consumer's own thread, which alone may seek. */
    List<Exchange> toDispatch(Consumer<?, ?> consumer, List<Exchange> polled) {
        Set<TopicPartition> assigned = consumer.assignment();
        List<Exchange> kept = new ArrayList<>();
        Set<TopicPartition> rewound = new HashSet<>();
        for (Exchange record : polled) {
            TopicPartition partition = KafkaBatchLease.partitionOf(record);
            if (!assigned.contains(partition)) {
                continue;
            }
            Long start = resumeAt.get(partition);
            if (start != null && KafkaBatchLease.offsetOf(record) > start) {
                if (rewound.add(partition)) {
                    consumer.seek(partition, start);
                }
                continue;
            }
            resumeAt.remove(partition); // read from the start again (or from before it, after a rebalance)
            kept.add(record);
        }
        resumeAt.keySet().retainAll(assigned);
        return kept;
    }
}
