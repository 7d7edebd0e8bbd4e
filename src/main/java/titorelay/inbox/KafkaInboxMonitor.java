package titorelay.inbox;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.apache.camel.CamelContext;
import org.apache.camel.support.service.ServiceSupport;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.ListOffsetsResult.ListOffsetsResultInfo;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import titorelay.threads.ThreadFailures;

/**
 * With relay.inbox.kind=kafka, looks at the Kafka cluster every relay.kafka.check-interval-ms with Kafka's admin
 * client (its own connection: a check never waits behind webhooks or dispatch): whether the brokers answer, the
 * consumer group's lag on each partition of the inbox topic, and which partitions this relay's consumer was given.
 * The inbox health check and the lag metrics read the last look ({@link #last()}), so a health request or a metrics
 * scrape never waits for the broker. A look takes at most the interval; the thread doing it never dies of a failure
 * (it becomes the look's problem).
 */
final class KafkaInboxMonitor extends ServiceSupport {

    private static final Logger LOG = LoggerFactory.getLogger(KafkaInboxMonitor.class);

    private final CamelContext camelContext;
    private final KafkaInboxSettings settings;
    private final String consumerClientId;
    private final long intervalMs;
    private final KafkaLagMetrics metrics;
    private volatile KafkaInboxCheck last;
    private Admin admin;
    private ScheduledExecutorService checks;

    /** @param consumerClientId the client.id of this relay's consumer, by which the group names its partitions */
    KafkaInboxMonitor(CamelContext camelContext, KafkaInboxSettings settings, String consumerClientId, long intervalMs) {
        this.camelContext = camelContext;
        this.settings = settings;
        this.consumerClientId = consumerClientId;
        this.intervalMs = intervalMs;
        this.metrics = new KafkaLagMetrics(camelContext, this);
    }

    KafkaInboxSettings settings() {
        return settings;
    }

    long intervalMs() {
        return intervalMs;
    }

    /** The last look, or null before the first one ended. */
    KafkaInboxCheck last() {
        return last;
    }

    @Override
    protected void doStart() {
        Map<String, Object> config = new HashMap<>(settings.security());
        config.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, settings.brokers());
        config.put(AdminClientConfig.CLIENT_ID_CONFIG, consumerClientId + "-check");
        config.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) intervalMs);
        config.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) intervalMs);
        admin = Admin.create(config);
        checks = camelContext.getExecutorServiceManager().newSingleThreadScheduledExecutor(this, "kafka-inbox-check");
        checks.scheduleWithFixedDelay(this::check, 0, intervalMs, TimeUnit.MILLISECONDS);
    }

    @Override
    protected void doStop() {
        camelContext.getExecutorServiceManager().shutdownNow(checks);
        admin.close(Duration.ofSeconds(1));
    }

    private void check() {
        KafkaInboxCheck now;
        try {
            now = look(System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(intervalMs));
        } catch (InterruptedException stopping) {
            Thread.currentThread().interrupt();
            return;
        } catch (Throwable failure) { // a scheduled task that throws is never run again: no failure may escape
            ThreadFailures.exitIfFatal(Thread.currentThread().getName(), failure);
            now = KafkaInboxCheck.failed(Instant.now(), problem(failure));
        }
        KafkaInboxCheck before = last;
        if (!now.isReached() && (before == null || before.isReached())) {
            LOG.warn("Kafka inbox: {}", now.problem());
        } else if (now.isReached() && before != null && !before.isReached()) {
            LOG.info("Kafka inbox: the brokers {} answer again", now.brokers());
        }
        last = now;
        try {
            metrics.update(now);
        } catch (RuntimeException e) {
            LOG.warn("Kafka inbox: cannot export the lag metrics: {}", e.toString());
        }
    }

    private KafkaInboxCheck look(long deadline) throws Exception {
        String topic = settings.topic();
        List<String> brokers = new ArrayList<>();
        for (Node node : get(admin.describeCluster().nodes(), deadline)) {
            brokers.add(node.host() + ":" + node.port());
        }
        TopicDescription description = get(admin.describeTopics(List.of(topic)).allTopicNames(), deadline).get(topic);
        Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
        Map<TopicPartition, OffsetSpec> earliest = new HashMap<>();
        description.partitions().forEach(partition -> {
            latest.put(new TopicPartition(topic, partition.partition()), OffsetSpec.latest());
            earliest.put(new TopicPartition(topic, partition.partition()), OffsetSpec.earliest());
        });
        Map<TopicPartition, ListOffsetsResultInfo> ends = get(admin.listOffsets(latest).all(), deadline);
        Map<TopicPartition, ListOffsetsResultInfo> starts = get(admin.listOffsets(earliest).all(), deadline);
        Map<TopicPartition, OffsetAndMetadata> committed = get(admin.listConsumerGroupOffsets(settings.groupId())
                .partitionsToOffsetAndMetadata(), deadline);
        ConsumerGroupDescription group = get(admin.describeConsumerGroups(List.of(settings.groupId()))
                .describedGroups().get(settings.groupId()), deadline);

        Map<Integer, Long> lag = new HashMap<>();
        ends.forEach((partition, end) -> {
            // A partition with no committed offset (or one older than what the topic still keeps) is read from its
            // first record (autoOffsetReset=earliest): all of it is waiting.
            long start = starts.get(partition).offset();
            OffsetAndMetadata done = committed.get(partition);
            long next = done == null ? start : Math.max(done.offset(), start);
            lag.put(partition.partition(), Math.max(0, end.offset() - next));
        });
        Set<Integer> owned = new TreeSet<>();
        group.members().stream().filter(member -> member.clientId().equals(consumerClientId))
                .flatMap(member -> member.assignment().topicPartitions().stream())
                .filter(partition -> partition.topic().equals(topic))
                .forEach(partition -> owned.add(partition.partition()));
        return KafkaInboxCheck.reached(Instant.now(), brokers, lag, owned);
    }

    private static <T> T get(KafkaFuture<T> future, long deadline) throws Exception {
        try {
            return future.get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof Exception cause ? cause : e;
        }
    }

    /** What went wrong, and what to fix; never a setting's value other than the brokers' addresses. */
    private String problem(Throwable failure) {
        String brokers = "the Kafka brokers at relay.kafka.brokers=" + settings.brokers();
        if (failure instanceof UnknownTopicOrPartitionException) {
            return "the inbox topic " + settings.topic() + " does not exist on " + brokers + ": create it (see "
                   + "relay.kafka.topic), with a replication factor of 3 and min.insync.replicas=2";
        }
        if (failure instanceof AuthenticationException || failure instanceof AuthorizationException) {
            return brokers + " refused this relay (" + failure.getMessage() + "): check relay.kafka.security.* and "
                   + "the relay's rights on the topic " + settings.topic() + " and the group " + settings.groupId();
        }
        if (failure instanceof TimeoutException || failure instanceof org.apache.kafka.common.errors.TimeoutException) {
            return "cannot reach " + brokers + " (no answer within " + intervalMs + " ms): webhooks are answered 503 "
                   + "until they answer; check that the brokers run and that this host reaches them, and "
                   + "relay.kafka.brokers and relay.kafka.security.*";
        }
        return "cannot ask " + brokers + " about the topic " + settings.topic() + " (" + failure + "): check that "
               + "the brokers run and that this host reaches them, and relay.kafka.brokers and relay.kafka.security.*";
    }
}
