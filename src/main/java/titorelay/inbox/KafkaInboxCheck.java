package titorelay.inbox;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * What one look at the Kafka cluster of the inbox found ({@link KafkaInboxMonitor}): the brokers it reached, and per
 * partition of the inbox topic the consumer lag (records not yet dispatched: the partition's end offset less the
 * offset the consumer group committed, which dispatch commits only once a record's sinks finished), and which of the
 * partitions this relay dispatches; or, when the cluster could not be asked, why, and what to do.
 */
record KafkaInboxCheck(Instant at, String problem, List<String> brokers, Map<Integer, Long> lag, Set<Integer> owned) {

    static KafkaInboxCheck reached(Instant at, List<String> brokers, Map<Integer, Long> lag, Set<Integer> owned) {
        return new KafkaInboxCheck(at, null, List.copyOf(brokers), Map.copyOf(lag), Set.copyOf(owned));
    }

    static KafkaInboxCheck failed(Instant at, String problem) {
        return new KafkaInboxCheck(at, problem, List.of(), Map.of(), Set.of());
    }

    boolean isReached() {
        return problem == null;
    }

    long totalLag() {
        return lag.values().stream().mapToLong(Long::longValue).sum();
    }

    /** The lag of a partition, NaN when unknown (the cluster was not reached, or the partition is not there). */
    double lagOf(int partition) {
        Long records = lag.get(partition);
        return records == null ? Double.NaN : records;
    }

    /** "partition 0: 3, partition 1: 0", in partition order. */
    String lagByPartition() {
        return lag.entrySet().stream().sorted(Map.Entry.comparingByKey())
                .map(entry -> "partition " + entry.getKey() + ": " + entry.getValue())
                .collect(Collectors.joining(", "));
    }

    /** "0, 2" in order, or "none". */
    String ownedPartitions() {
        return owned.isEmpty() ? "none" : owned.stream().sorted().map(String::valueOf).collect(Collectors.joining(", "));
    }
}
