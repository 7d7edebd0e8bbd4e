package titorelay.support;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import kafka.server.BrokerServer;
import kafka.testkit.KafkaClusterTestKit;
import kafka.testkit.TestKitNodes;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.utils.Exit;
import org.apache.kafka.server.metrics.KafkaYammerMetrics;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A real Kafka broker in the test JVM: one KRaft node that is both broker and controller (Kafka's own test kit), on
 * loopback. Its client port is fixed at start, so that a broker stopped and started again is found where the relay's
 * producer and consumers knew it.
 */
public final class KafkaBroker implements AutoCloseable, BeforeAllCallback, AfterAllCallback {

    private static final int NODE = 0;

    /** The broker of {@link #shared()}, started by the first class that needs it. */
    private static KafkaBroker jvmWide;

    /**
     * The shutdown hooks Kafka's test kit asks for: each deletes a broker's directories. Run as JVM hooks they would
     * run alongside the one that closes the shared broker (the JVM starts its hooks all at once), and a broker whose
     * only log directory vanishes under it halts the JVM with status 1: the test JVM then ended in failure after
     * every test had passed. They run here instead, after the shared broker is closed.
     */
    private static final List<Runnable> KAFKA_EXIT_HOOKS = new CopyOnWriteArrayList<>();
    /** Why a broker asked to halt or exit the JVM, if one did. */
    private static volatile String brokerEndedTheJvm;

    static {
        Exit.setShutdownHookAdder((name, hook) -> KAFKA_EXIT_HOOKS.add(hook));
        // A broker never ends the test JVM (it would take every other test's result with it): the thread that asked
        // stops with an exception, as in Kafka's own tests, and the next class that wants the shared broker fails.
        Exit.setHaltProcedure(KafkaBroker::refuseToEndTheJvm);
        Exit.setExitProcedure(KafkaBroker::refuseToEndTheJvm);
        Runtime.getRuntime().addShutdownHook(new Thread(KafkaBroker::atJvmExit, "close-kafka-brokers"));
    }

    private static void refuseToEndTheJvm(int status, String message) {
        brokerEndedTheJvm = "a Kafka broker asked to end the JVM with status " + status + ": " + message;
        System.err.println(brokerEndedTheJvm);
        throw new IllegalStateException(brokerEndedTheJvm);
    }

    private static void atJvmExit() {
        try {
            synchronized (KafkaBroker.class) {
                if (jvmWide != null) {
                    jvmWide.close();
                }
            }
        } catch (Exception e) {
            e.printStackTrace(); // the JVM is exiting: nothing more to do than say so
        } finally {
            for (Runnable hook : KAFKA_EXIT_HOOKS) {
                try {
                    hook.run();
                } catch (RuntimeException e) {
                    e.printStackTrace(); // one directory left behind; the others are still deleted
                }
            }
        }
    }

    private final boolean shared;
    private KafkaClusterTestKit cluster;
    private String bootstrapServers;

    /** A broker started before the tests of the class that registers it ({@code @RegisterExtension static}). */
    public KafkaBroker() {
        this(false);
    }

    private KafkaBroker(boolean shared) {
        this.shared = shared;
    }

    /**
     * The one broker of this test JVM, for the classes that neither stop nor restart it ({@code @RegisterExtension
     * static}): started before the first such class, closed when the JVM exits. A start costs seconds of both cores,
     * paid once instead of once per class. Each class keeps to its own topics and consumer groups.
     */
    public static KafkaBroker shared() {
        return new KafkaBroker(true);
    }

    private static synchronized KafkaBroker jvmWide() throws Exception {
        if (brokerEndedTheJvm != null) {
            throw new IllegalStateException("the shared broker is not usable: " + brokerEndedTheJvm);
        }
        if (jvmWide == null) {
            jvmWide = start(); // closed by atJvmExit
        }
        return jvmWide;
    }

    /** A broker started now, for one test. */
    public static KafkaBroker start() throws Exception {
        KafkaBroker broker = new KafkaBroker();
        broker.startCluster();
        return broker;
    }

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        if (shared) {
            cluster = jvmWide().cluster;
            bootstrapServers = jvmWide().bootstrapServers;
        } else {
            startCluster();
        }
    }

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        if (!shared) {
            close();
        }
    }

    private void startCluster() throws Exception {
        int port = TestRelay.freePort();
        TestKitNodes nodes = new TestKitNodes.Builder()
                .setCombined(true)
                .setNumBrokerNodes(1)
                .setNumControllerNodes(1)
                .setPerServerProperties(Map.of(NODE, Map.of(
                        "listeners", "EXTERNAL://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:0")))
                .build();
        cluster = new KafkaClusterTestKit.Builder(nodes)
                // One broker: the internal topics cannot have more replicas than that.
                .setConfigProp("offsets.topic.replication.factor", "1")
                .setConfigProp("offsets.topic.num.partitions", "3")
                .setConfigProp("transaction.state.log.replication.factor", "1")
                .setConfigProp("transaction.state.log.min.isr", "1")
                .setConfigProp("min.insync.replicas", "1")
                // A consumer group starts consuming at once, not after the 3 s that waits for more members.
                .setConfigProp("group.initial.rebalance.delay.ms", "0")
                // A killed relay's partitions go to the other after a session shorter than the broker's least (6 s).
                .setConfigProp("group.min.session.timeout.ms", "1000")
                .build();
        try {
            cluster.format();
            cluster.startup();
            cluster.waitForReadyBrokers();
        } catch (Exception | Error e) {
            cluster.close();
            throw e;
        }
        bootstrapServers = "127.0.0.1:" + port;
    }

    public String bootstrapServers() {
        return bootstrapServers;
    }

    public void createTopic(String topic, int partitions) throws Exception {
        try (Admin admin = admin()) {
            admin.createTopics(List.of(new NewTopic(topic, partitions, (short) 1))).all().get(30, TimeUnit.SECONDS);
        }
    }

    public Admin admin() {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) Duration.ofSeconds(30).toMillis()));
    }

    /** Every record of the topic now, read from its start by a plain consumer in no group, partition by partition. */
    public List<ConsumerRecord<String, byte[]>> records(String topic) {
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"),
                new StringDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(30)).stream()
                    .map(info -> new TopicPartition(topic, info.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> ends = consumer.endOffsets(partitions, Duration.ofSeconds(30));
            List<ConsumerRecord<String, byte[]>> records = new ArrayList<>();
            long until = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (partitions.stream().anyMatch(p -> consumer.position(p, Duration.ofSeconds(30)) < ends.get(p))) {
                if (System.nanoTime() > until) {
                    throw new IllegalStateException("the records of " + topic + " were not all read in 30 s");
                }
                consumer.poll(Duration.ofMillis(100)).forEach(records::add);
            }
            return records;
        }
    }

    /** A group's committed offsets on a topic, added up over its partitions (0 when none is committed). */
    public long committed(String group, String topic) {
        try (Admin admin = admin()) {
            return admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get().entrySet().stream()
                    .filter(entry -> entry.getKey().topic().equals(topic) && entry.getValue() != null)
                    .mapToLong(entry -> entry.getValue().offset()).sum();
        } catch (Exception e) {
            throw new IllegalStateException("cannot read the group's offsets", e);
        }
    }

    /** A topic's end offsets, added up over its partitions: how many records it holds. */
    public long endOffsets(String topic) {
        try (Admin admin = admin()) {
            Map<TopicPartition, OffsetSpec> partitions = new HashMap<>();
            admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic).partitions()
                    .forEach(p -> partitions.put(new TopicPartition(topic, p.partition()), OffsetSpec.latest()));
            return admin.listOffsets(partitions).all().get().values().stream().mapToLong(info -> info.offset()).sum();
        } catch (Exception e) {
            throw new IllegalStateException("cannot read the topic's offsets", e);
        }
    }

    /** Produce requests the broker has received since it started (every client's, each with one or more records). */
    public long produceRequests() {
        return KafkaYammerMetrics.defaultRegistry().allMetrics().entrySet().stream()
                .filter(metric -> metric.getKey().getName().equals("RequestsPerSec")
                                  && metric.getKey().getMBeanName().contains("request=Produce"))
                .mapToLong(metric -> ((com.yammer.metrics.core.Metered) metric.getValue()).count())
                .sum();
    }

    /** The broker stops answering clients (its controller goes on, so that it can come back with its data). */
    public void stopBroker() {
        if (shared) {
            throw new IllegalStateException("the shared broker serves other classes too: register a broker of your own");
        }
        broker().shutdown();
        broker().awaitShutdown();
    }

    public void startBroker() throws Exception {
        broker().startup();
        cluster.waitForReadyBrokers();
    }

    private BrokerServer broker() {
        return cluster.brokers().get(NODE);
    }

    @Override
    public void close() throws Exception {
        if (!shared && cluster != null) {
            cluster.close();
        }
    }
}
