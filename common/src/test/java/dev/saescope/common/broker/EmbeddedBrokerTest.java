package dev.saescope.common.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.saescope.common.kafka.Consumers;
import dev.saescope.common.kafka.KafkaSettings;
import dev.saescope.common.kafka.TopicAdmin;
import dev.saescope.common.kafka.TopicSpec;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A restart on the same data directory must keep topics and messages (the demo relies on it). */
class EmbeddedBrokerTest {
  @TempDir Path dir;

  @Test
  void restartOnTheSameDirectoryKeepsData() throws Exception {
    String topic = "restart-test";
    try (EmbeddedBroker broker = EmbeddedBroker.start(EmbeddedBroker.Config.at(dir))) {
      assertTrue(broker.formattedNow(), "first start formats storage");
      KafkaSettings kafka = KafkaSettings.forBootstrap(broker.bootstrapServers());
      TopicAdmin.ensureTopics(kafka, List.of(new TopicSpec(topic, 2, (short) 1, Map.of())));
      Properties p = kafka.client();
      p.setProperty(ProducerConfig.ACKS_CONFIG, "all");
      try (var producer = new KafkaProducer<>(p, new StringSerializer(), new StringSerializer())) {
        for (int i = 0; i < 10; i++) {
          producer.send(new ProducerRecord<>(topic, "k" + i, "v" + i)).get();
        }
      }
    }
    try (EmbeddedBroker broker = EmbeddedBroker.start(EmbeddedBroker.Config.at(dir))) {
      assertFalse(broker.formattedNow(), "second start reuses the formatted storage");
      KafkaSettings kafka = KafkaSettings.forBootstrap(broker.bootstrapServers());
      List<String> values = readAll(kafka, topic, 2, 10);
      assertEquals(10, values.size(), "messages written before the restart: " + values);
      assertTrue(values.contains("v0") && values.contains("v9"), values.toString());
    }
  }

  static List<String> readAll(KafkaSettings kafka, String topic, int partitions, int expected) {
    List<String> values = new ArrayList<>();
    try (KafkaConsumer<byte[], byte[]> c = Consumers.raw(kafka)) {
      List<TopicPartition> tps = new ArrayList<>();
      for (int i = 0; i < partitions; i++) {
        tps.add(new TopicPartition(topic, i));
      }
      c.assign(tps);
      c.seekToBeginning(tps);
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (values.size() < expected && System.nanoTime() < deadline) {
        for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) {
          values.add(new String(r.value(), java.nio.charset.StandardCharsets.UTF_8));
        }
      }
    }
    return values;
  }
}
