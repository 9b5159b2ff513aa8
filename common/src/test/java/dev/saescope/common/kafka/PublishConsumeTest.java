package dev.saescope.common.kafka;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.saescope.common.testing.EmbeddedKafkaExtension;
import dev.saescope.schemas.Task;
import dev.saescope.schemas.TopicKind;
import dev.saescope.schemas.serde.DecodeException;
import dev.saescope.schemas.serde.DecodeFailure;
import dev.saescope.schemas.serde.Decoded;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Topics, publisher and the workers' consumer against a real embedded broker. */
@ExtendWith(EmbeddedKafkaExtension.class)
class PublishConsumeTest {
  @Test
  void ensureTopicsCreatesOnceWithCompactedLatentInfo(KafkaSettings kafka) throws Exception {
    var specs = TopicSpec.standard(kafka.topics(), 3, (short) 1);
    TopicAdmin.EnsureResult first = TopicAdmin.ensureTopics(kafka, specs);
    assertEquals(
        kafka.topics().all().stream().sorted().toList(),
        first.created().stream().sorted().toList());
    TopicAdmin.EnsureResult second = TopicAdmin.ensureTopics(kafka, specs);
    assertEquals(List.of(), second.created());
    assertEquals(TopicKind.values().length, second.existing().size());
    try (Admin admin = Admin.create(kafka.client())) {
      var resource = new ConfigResource(ConfigResource.Type.TOPIC, kafka.topics().latentInfo());
      var config =
          admin.describeConfigs(List.of(resource)).all().get(10, TimeUnit.SECONDS).get(resource);
      assertEquals(
          TopicConfig.CLEANUP_POLICY_COMPACT,
          config.get(TopicConfig.CLEANUP_POLICY_CONFIG).value());
      var tasks =
          admin
              .describeTopics(List.of(kafka.topics().tasks()))
              .allTopicNames()
              .get(10, TimeUnit.SECONDS);
      assertEquals(3, tasks.get(kafka.topics().tasks()).partitions().size());
    }
  }

  @Test
  void publishedTasksComeBackThroughTheWorkerConsumer(KafkaSettings kafka) throws Exception {
    TopicAdmin.ensureTopics(kafka, TopicSpec.standard(kafka.topics(), 3, (short) 1));
    List<Task> sent = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      sent.add(TestTask.direct("item-" + (i % 7), i));
    }
    PublishStats stats;
    try (TaskPublisher publisher = TaskPublisher.open(kafka)) {
      for (Task t : sent) {
        publisher.publish(t);
      }
      stats = publisher.flush();
    }
    assertEquals(50, stats.submitted());
    assertEquals(50, stats.acknowledged());
    assertTrue(stats.bytes() > 50 * 100, "bytes " + stats.bytes());

    // One poison message after the tasks: it must arrive as data with its offset, not stop the
    // stream.
    byte[] garbage = {0x7b, 0x22, 0x7d};
    try (var raw =
        new KafkaProducer<>(kafka.client(), new StringSerializer(), new ByteArraySerializer())) {
      raw.send(new ProducerRecord<>(kafka.topics().tasks(), "item-0", garbage))
          .get(10, TimeUnit.SECONDS);
    }

    Map<String, Task> received = new HashMap<>();
    Map<String, List<Integer>> partitionsByItem = new HashMap<>();
    List<DecodeException> failures = new ArrayList<>();
    try (KafkaConsumer<String, Decoded<Task>> consumer =
        Consumers.tasks(kafka, "test-workers", new Properties())) {
      consumer.subscribe(List.of(kafka.topics().tasks()));
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (received.size() + failures.size() < 51 && System.nanoTime() < deadline) {
        for (ConsumerRecord<String, Decoded<Task>> r : consumer.poll(Duration.ofMillis(200))) {
          try {
            Task t = Decoded.get(r);
            assertEquals(t.itemId(), r.key(), "keyed by item id");
            received.put(t.taskId(), t);
            partitionsByItem.computeIfAbsent(t.itemId(), k -> new ArrayList<>()).add(r.partition());
          } catch (DecodeException e) {
            failures.add(e);
            Decoded.Failed<Task> f = assertInstanceOf(Decoded.Failed.class, r.value());
            assertArrayEquals(garbage, f.bytes(), "original bytes kept for the dead-letter topic");
          }
        }
      }
      consumer.commitSync();
    }
    assertEquals(50, received.size());
    for (Task t : sent) {
      assertEquals(t, received.get(t.taskId()), "every field survives the round trip");
    }
    partitionsByItem.forEach(
        (item, parts) ->
            assertEquals(1, parts.stream().distinct().count(), item + " in one partition"));
    assertEquals(1, failures.size());
    DecodeException e = failures.get(0);
    assertEquals(DecodeFailure.BAD_HEADER, e.failure());
    assertTrue(
        e.getMessage()
            .contains(
                "topic "
                    + kafka.topics().tasks()
                    + " partition "
                    + e.partition()
                    + " offset "
                    + e.offset()),
        e.getMessage());
    assertTrue(e.offset() >= 0);
  }

  @Test
  void consumerSettingsAreTheDocumentedOnes(KafkaSettings kafka) {
    Properties p = Consumers.groupSettings(kafka, "g", new Properties());
    assertEquals("read_committed", p.getProperty("isolation.level"));
    assertEquals("false", p.getProperty("enable.auto.commit"));
    assertEquals(
        "org.apache.kafka.clients.consumer.CooperativeStickyAssignor",
        p.getProperty("partition.assignment.strategy"));
    Properties overrides = new Properties();
    overrides.setProperty("max.poll.records", "4");
    assertEquals(
        "4", Consumers.groupSettings(kafka, "g", overrides).getProperty("max.poll.records"));
    assertThrows(IllegalArgumentException.class, () -> Consumers.groupSettings(kafka, " ", null));
    Properties producer = TaskPublisher.producerSettings(kafka);
    assertEquals("all", producer.getProperty("acks"));
    assertEquals("true", producer.getProperty("enable.idempotence"));
  }

  @Test
  void transactionsWorkOnTheOneNodeBroker(KafkaSettings kafka) throws Exception {
    String topic = kafka.topics().results();
    TopicAdmin.ensureTopics(kafka, TopicSpec.standard(kafka.topics(), 1, (short) 1));
    Properties p = kafka.client();
    p.setProperty("transactional.id", "tx-test");
    try (var producer = new KafkaProducer<>(p, new StringSerializer(), new StringSerializer())) {
      producer.initTransactions();
      producer.beginTransaction();
      producer.send(new ProducerRecord<>(topic, "k", "aborted"));
      producer.abortTransaction();
      producer.beginTransaction();
      producer.send(new ProducerRecord<>(topic, "k", "committed"));
      producer.commitTransaction();
    }
    List<String> seen = new ArrayList<>();
    try (KafkaConsumer<byte[], byte[]> c = Consumers.raw(kafka)) {
      var tp = new org.apache.kafka.common.TopicPartition(topic, 0);
      c.assign(List.of(tp));
      c.seekToBeginning(List.of(tp));
      long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
      while (seen.isEmpty() && System.nanoTime() < deadline) {
        c.poll(Duration.ofMillis(200))
            .forEach(r -> seen.add(new String(r.value(), java.nio.charset.StandardCharsets.UTF_8)));
      }
    }
    assertEquals(List.of("committed"), seen, "read_committed skips the aborted record");
  }
}
