package dev.saescope.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
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
      Properties p = client(broker);
      try (Admin admin = Admin.create(p)) {
        admin.createTopics(List.of(new NewTopic(topic, 2, (short) 1))).all().get();
      }
      p.setProperty(ProducerConfig.ACKS_CONFIG, "all");
      try (var producer = new KafkaProducer<>(p, new StringSerializer(), new StringSerializer())) {
        for (int i = 0; i < 10; i++) {
          producer.send(new ProducerRecord<>(topic, "k" + i, "v" + i)).get();
        }
      }
    }
    try (EmbeddedBroker broker = EmbeddedBroker.start(EmbeddedBroker.Config.at(dir))) {
      assertFalse(broker.formattedNow(), "second start reuses the formatted storage");
      List<String> values = readAll(client(broker), topic, 2, 10);
      assertEquals(10, values.size(), "messages written before the restart: " + values);
      assertTrue(values.contains("v0") && values.contains("v9"), values.toString());
    }
  }

  private static Properties client(EmbeddedBroker broker) {
    Properties p = new Properties();
    p.setProperty(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
    return p;
  }

  static List<String> readAll(Properties client, String topic, int partitions, int expected) {
    List<String> values = new ArrayList<>();
    try (var c = new KafkaConsumer<>(client, new StringDeserializer(), new StringDeserializer())) {
      List<TopicPartition> tps = new ArrayList<>();
      for (int i = 0; i < partitions; i++) {
        tps.add(new TopicPartition(topic, i));
      }
      c.assign(tps);
      c.seekToBeginning(tps);
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (values.size() < expected && System.nanoTime() < deadline) {
        for (ConsumerRecord<String, String> r : c.poll(Duration.ofMillis(200))) {
          values.add(r.value());
        }
      }
    }
    return values;
  }
}
