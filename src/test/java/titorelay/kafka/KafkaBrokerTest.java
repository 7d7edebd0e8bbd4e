package titorelay.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import titorelay.support.KafkaBroker;

class KafkaBrokerTest {

    @Test
    void aRecordSurvivesTheBrokerStoppedAndStartedAgain() throws Exception {
        long started = System.nanoTime();
        try (KafkaBroker broker = KafkaBroker.start()) {
            System.out.printf("broker started in %d ms%n", (System.nanoTime() - started) / 1_000_000);
            broker.createTopic("t", 3);
            try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of("bootstrap.servers",
                    broker.bootstrapServers(), "acks", "all"), new StringSerializer(), new StringSerializer())) {
                producer.send(new ProducerRecord<>("t", "k", "v")).get();
            }
            long stopping = System.nanoTime();
            broker.stopBroker();
            broker.startBroker();
            System.out.printf("broker restarted in %d ms%n", (System.nanoTime() - stopping) / 1_000_000);
            try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(Map.of("bootstrap.servers",
                    broker.bootstrapServers(), "group.id", "g", "auto.offset.reset", "earliest"),
                    new StringDeserializer(), new StringDeserializer())) {
                consumer.subscribe(List.of("t"));
                List<ConsumerRecord<String, String>> got = new java.util.ArrayList<>();
                long until = System.nanoTime() + Duration.ofSeconds(20).toNanos();
                while (got.isEmpty() && System.nanoTime() < until) {
                    consumer.poll(Duration.ofMillis(200)).forEach(got::add);
                }
                assertEquals(1, got.size());
                assertEquals("v", got.get(0).value());
            }
        }
    }
}
