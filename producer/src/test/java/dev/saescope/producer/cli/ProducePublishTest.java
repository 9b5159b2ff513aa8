package dev.saescope.producer.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.saescope.common.kafka.Consumers;
import dev.saescope.common.kafka.KafkaSettings;
import dev.saescope.common.kafka.PublishStats;
import dev.saescope.common.kafka.TaskPublisher;
import dev.saescope.common.kafka.TopicAdmin;
import dev.saescope.common.kafka.TopicSpec;
import dev.saescope.common.testing.EmbeddedKafkaExtension;
import dev.saescope.producer.Datasets;
import dev.saescope.producer.dataset.Item;
import dev.saescope.producer.dataset.ItemSource;
import dev.saescope.producer.dataset.KnowledgeNeuronsReader;
import dev.saescope.producer.run.ItemFilter;
import dev.saescope.producer.run.ItemOrder;
import dev.saescope.producer.run.ItemTasks;
import dev.saescope.producer.run.TaskSizeLimit;
import dev.saescope.producer.run.TaskStream;
import dev.saescope.producer.template.Templates;
import dev.saescope.producer.variant.DirectForm;
import dev.saescope.producer.variant.TaskBuilder;
import dev.saescope.producer.variant.TextFormat;
import dev.saescope.producer.variant.VariantOptions;
import dev.saescope.schemas.Task;
import dev.saescope.schemas.Variant;
import dev.saescope.schemas.serde.Decoded;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Tasks built from the committed knowledge-neurons data go through a real (embedded) broker and
 * come back, through the consumer the workers use, equal in every field.
 */
@ExtendWith(EmbeddedKafkaExtension.class)
class ProducePublishTest {
  static final Duration WAIT = Duration.ofSeconds(60);

  @Test
  void publishedTasksReadBackEqualInEveryField(KafkaSettings kafka) throws Exception {
    Templates templates = Templates.load();
    VariantOptions opts =
        new VariantOptions(
            EnumSet.allOf(Variant.class), EnumSet.allOf(DirectForm.class), 2, TextFormat.BASE);
    TaskStream stream =
        TaskStream.open(
            new ItemSource.Whole(KnowledgeNeuronsReader.read(Datasets.knowledgeNeurons())),
            new ItemFilter(Set.of(), false, 60, ItemOrder.SHUFFLED, 11),
            new TaskBuilder(templates, opts, "it-run", 11, () -> 1_700_000_000_123L),
            templates,
            w -> {});
    List<Task> sent = new ArrayList<>();
    for (Optional<ItemTasks> it = stream.next(); it.isPresent(); it = stream.next()) {
      sent.addAll(it.get().tasks());
    }
    assertTrue(sent.stream().anyMatch(t -> t.goldObjects().size() > 1) || sent.size() > 0);
    TopicAdmin.ensureTopics(kafka, TopicSpec.standard(kafka.topics(), 3, (short) 1));
    PublishStats stats;
    try (TaskPublisher p = TaskPublisher.open(kafka)) {
      for (Task t : sent) {
        p.publish(t);
      }
      stats = p.flush();
    }
    assertEquals(sent.size(), stats.acknowledged());

    List<ConsumerRecord<String, Decoded<Task>>> got = consumeAll(kafka, "it-readback", sent.size());
    Map<String, Task> received = new LinkedHashMap<>();
    List<Task> gotInOrder = new ArrayList<>();
    for (ConsumerRecord<String, Decoded<Task>> r : got) {
      Task t = Decoded.get(r);
      assertEquals(t.itemId(), r.key(), "tasks are keyed by item id");
      received.put(t.taskId(), t);
      gotInOrder.add(t);
    }
    assertEquals(sent.size(), received.size());
    for (Task t : sent) {
      assertEquals(t, received.get(t.taskId()), "task " + t.taskId() + " changed on the way");
    }
    // One item's tasks share a key, hence a partition, hence keep their order.
    Map<String, List<String>> sentOrder = byItem(sent);
    Map<String, List<String>> gotOrder = byItem(gotInOrder);
    assertEquals(sentOrder, gotOrder);
  }

  @Test
  void produceCommandPublishesWhatItsDryRunPrints(KafkaSettings kafka) throws Exception {
    String[] common = {
      "--dataset",
      "knowledge-neurons",
      "--data",
      Datasets.knowledgeNeurons().toString(),
      "--limit",
      "25",
      "--seed",
      "4",
      "--run-id",
      "cmd-run",
      "--relations",
      "P36,P1376,P19"
    };
    Run dry = Run.produce(concat(common, "--dry-run"));
    assertEquals(0, dry.exit(), dry.err());
    Run pub =
        Run.produce(
            concat(
                common,
                "--bootstrap-servers",
                kafka.bootstrapServers(),
                "--topic-prefix",
                kafka.topics().prefix(),
                "--partitions",
                "2",
                "--quiet"));
    assertEquals(0, pub.exit(), pub.err());
    long n = dry.out().lines().count();
    assertTrue(pub.out().startsWith("published to " + kafka.topics().tasks()), pub.out());
    assertTrue(pub.out().contains(n + " tasks from 25 items"), pub.out());

    List<String> published = new ArrayList<>();
    for (ConsumerRecord<String, Decoded<Task>> r : consumeAll(kafka, "cmd-readback", (int) n)) {
      Task t = Decoded.get(r);
      assertTrue(t.createdAtMs() > 0, "publishing stamps created_at_ms");
      published.add(TaskJson.line(t));
    }
    assertEquals(
        dry.out().lines().collect(Collectors.toSet()),
        Set.copyOf(published),
        "the broker holds exactly the dry run's tasks");
  }

  @Test
  void tasksAtTheSizeLimitAreAcceptedByKafka(KafkaSettings kafka) throws Exception {
    Templates templates = Templates.load();
    VariantOptions opts =
        new VariantOptions(
            EnumSet.allOf(Variant.class), EnumSet.of(DirectForm.QA), 1, TextFormat.BASE);
    List<Task> tasks =
        new TaskBuilder(templates, opts, "size-run", 3, () -> 1_700_000_000_123L)
            .build(Item.of("P36", "a".repeat(50_000), List.of("Lima")), List.of(), List.of());
    int limit = (int) tasks.stream().mapToLong(TaskSizeLimit::recordBytes).max().orElseThrow();
    assertEquals(Optional.empty(), new TaskSizeLimit(limit).firstOver(tasks));
    // If recordBytes underestimated what Kafka counts, the largest task would be refused here.
    Properties client = kafka.client();
    client.setProperty(TaskSizeLimit.PROPERTY, Integer.toString(limit));
    KafkaSettings tight = new KafkaSettings(client, kafka.topics(), kafka.brokerTimeout());
    TopicAdmin.ensureTopics(tight, TopicSpec.standard(tight.topics(), 1, (short) 1));
    try (TaskPublisher p = TaskPublisher.open(tight)) {
      for (Task t : tasks) {
        p.publish(t);
      }
      assertEquals(tasks.size(), p.flush().acknowledged());
    }
  }

  private static List<ConsumerRecord<String, Decoded<Task>>> consumeAll(
      KafkaSettings kafka, String group, int n) {
    List<ConsumerRecord<String, Decoded<Task>>> out = new ArrayList<>();
    try (KafkaConsumer<String, Decoded<Task>> c = Consumers.tasks(kafka, group, null)) {
      c.subscribe(List.of(kafka.topics().tasks()));
      long deadline = System.nanoTime() + WAIT.toNanos();
      while (out.size() < n && System.nanoTime() < deadline) {
        c.poll(Duration.ofMillis(500)).forEach(out::add);
      }
      // Nothing beyond what was sent.
      c.poll(Duration.ofMillis(500)).forEach(out::add);
    }
    assertEquals(n, out.size(), "records read back from " + kafka.topics().tasks());
    return out;
  }

  private static Map<String, List<String>> byItem(List<Task> tasks) {
    Map<String, List<String>> m = new LinkedHashMap<>();
    for (Task t : tasks) {
      m.computeIfAbsent(t.itemId(), k -> new ArrayList<>()).add(t.taskId());
    }
    return m;
  }

  private static String[] concat(String[] a, String... b) {
    String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }
}
