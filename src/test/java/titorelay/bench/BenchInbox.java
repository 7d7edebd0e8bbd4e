package titorelay.bench;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;
import java.util.stream.Collectors;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.TopicPartition;
import titorelay.inbox.InboxJournal;
import titorelay.support.KafkaBroker;

/**
 * Where the benchmarked relay keeps webhooks: the inbox journal (the default), or a Kafka topic on a broker in the
 * benchmark's JVM (relay.inbox.kind=kafka). What the benchmarks measure is the same; what counts the acknowledged
 * webhooks, and what groups them (the journal's fsyncs, Kafka's produce requests), differs.
 *
 * @param settings           the relay's own settings for this inbox
 * @param label              "journal (fsync'd)", for the tables' headings
 * @param acknowledgedMetric the counter of webhooks stored, each answered 2xx (or about to be)
 * @param groupsName         what groups the stores of webhooks arriving together, as a table row's name
 * @param groups             how many such groups so far, from the relay's metrics
 * @param waiting            webhooks stored and not dispatched (dispatch paused), from the relay's data directory
 */
record BenchInbox(List<String> settings, String label, String acknowledgedMetric, String groupsName,
        ToDoubleFunction<String> groups, Waiting waiting) {

    interface Waiting {
        long in(Path dataDir) throws Exception;
    }

    static BenchInbox journal() {
        return new BenchInbox(List.of(), "journal (fsync'd)", "tito_inbox_journal_records_total",
                "inbox journal fsyncs (group commit)",
                metrics -> BenchRelay.metric(metrics, "tito_inbox_journal_commits_total"),
                dataDir -> InboxJournal.waitingIn(dataDir.resolve("inbox-journal")).size());
    }

    /** A topic of its own on the broker, read by a consumer group of its own. */
    static BenchInbox kafka(KafkaBroker broker, String topic, int partitions) throws Exception {
        broker.createTopic(topic, partitions);
        return new BenchInbox(List.of("relay.inbox.kind=kafka", "relay.kafka.brokers=" + broker.bootstrapServers(),
                "relay.kafka.topic=" + topic, "relay.kafka.group-id=bench-" + topic),
                "Kafka (acks=all, one local broker)", "tito_webhooks_received_total", "Kafka produce requests (linger)",
                metrics -> broker.produceRequests(), dataDir -> recordsIn(broker, topic));
    }

    /** Every record of the topic (its group commits nothing while dispatch is paused). */
    private static long recordsIn(KafkaBroker broker, String topic) throws Exception {
        try (Admin admin = broker.admin()) {
            Map<TopicPartition, OffsetSpec> latest = admin.describeTopics(List.of(topic)).allTopicNames().get()
                    .get(topic).partitions().stream()
                    .collect(Collectors.toMap(p -> new TopicPartition(topic, p.partition()), p -> OffsetSpec.latest()));
            return admin.listOffsets(latest).all().get(30, TimeUnit.SECONDS).values().stream()
                    .mapToLong(info -> info.offset()).sum();
        }
    }
}
