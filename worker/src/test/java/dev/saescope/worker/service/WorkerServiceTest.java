package dev.saescope.worker.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.saescope.avro.DeadLetter;
import dev.saescope.avro.DeadLetterReason;
import dev.saescope.avro.PromptTask;
import dev.saescope.common.kafka.Consumers;
import dev.saescope.common.kafka.KafkaSettings;
import dev.saescope.common.kafka.TaskPublisher;
import dev.saescope.common.kafka.TopicAdmin;
import dev.saescope.common.kafka.TopicSpec;
import dev.saescope.common.testing.EmbeddedKafkaExtension;
import dev.saescope.runtime.model.GemmaModel;
import dev.saescope.runtime.sae.Sae;
import dev.saescope.runtime.sae.io.SaeLoader;
import dev.saescope.runtime.tokenizer.GemmaTokenizer;
import dev.saescope.runtime.weights.HfFolderWeights;
import dev.saescope.schemas.LayerResult;
import dev.saescope.schemas.Task;
import dev.saescope.schemas.Variant;
import dev.saescope.schemas.serde.Codecs;
import dev.saescope.schemas.serde.TaskCodec;
import dev.saescope.worker.compute.ExperimentProcessor;
import dev.saescope.worker.compute.PreparedTask;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The worker on a real broker with real model and SAE files: results through Kafka equal, field by
 * field, what the runtimes compute in-process; poison ends in dead-letter with the right reason
 * while every good task still gets its results.
 */
@ExtendWith(EmbeddedKafkaExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class WorkerServiceTest {
  @TempDir static Path dir;
  static TinyWorld world;
  static GemmaModel model;
  static GemmaTokenizer tokenizer;
  static Sae sae;

  @BeforeAll
  static void load() throws Exception {
    world = TinyWorld.create(dir);
    try (HfFolderWeights w = HfFolderWeights.open(world.modelDir)) {
      model = GemmaModel.load(w);
      tokenizer = GemmaTokenizer.load(w.tokenizerJson(), w.config(), w.origin());
    }
    sae = Sae.create(SaeLoader.load(world.saeDir));
  }

  @AfterAll
  static void close() {
    if (sae != null) {
      sae.close();
      tokenizer.close();
      model.close();
    }
  }

  private static ExperimentProcessor processor(String workerId) {
    return new ExperimentProcessor(
        model,
        tokenizer,
        "tiny",
        workerId,
        List.of(new ExperimentProcessor.AttachedSae("tiny-sae", sae, TinyWorld.SAE_HOOK)),
        new TreeSet<>(List.of(0, 1)),
        64);
  }

  private static WorkerSettings settings(String id) {
    return new WorkerSettings(
        id, "workers", 96, 8, WorkerSettings.DEFAULT_MAX_MESSAGE_BYTES, Duration.ofSeconds(30));
  }

  @Test
  void resultsThroughKafkaEqualInProcessResults(KafkaSettings kafka) throws Exception {
    List<Task> tasks = TinyWorld.tasks("run-eq", 24);
    TopicAdmin.ensureTopics(kafka, TopicSpec.standard(kafka.topics(), 3, TopicSpec.BROKER_DEFAULT));
    try (TaskPublisher publisher = TaskPublisher.open(kafka)) {
      for (Task t : tasks) {
        publisher.publish(t);
      }
      publisher.flush();
    }
    List<LayerResult> viaKafka =
        runWorkerUntil(kafka, r -> r.size() >= tasks.size() * 2, "w1").results();

    ExperimentProcessor local = processor("w1");
    List<TaskProcessor.Accepted<PreparedTask>> accepted = new ArrayList<>();
    for (Task t : tasks) {
      accepted.add((TaskProcessor.Accepted<PreparedTask>) local.check(t));
    }
    Map<String, LayerResult> expected = new HashMap<>();
    for (LayerResult r : local.process(accepted)) {
      expected.put(key(r), r);
    }
    assertEquals(tasks.size() * 2, expected.size(), "two layers per task");
    assertEquals(expected.size(), viaKafka.size(), "one result per task and layer, none doubled");
    for (LayerResult got : viaKafka) {
      LayerResult want = expected.get(key(got));
      assertTrue(want != null, "unexpected result " + key(got));
      ResultAssert.assertSameResult(want, got);
    }
  }

  @Test
  void poisonGoesToDeadLetterAndGoodTasksStillGetResults(KafkaSettings kafka) throws Exception {
    TopicAdmin.ensureTopics(kafka, TopicSpec.standard(kafka.topics(), 2, TopicSpec.BROKER_DEFAULT));
    List<Task> good = TinyWorld.tasks("run-poison", 8);
    String[] fact = {"P36", "France", "Paris", "What is the capital of France?"};
    String longText = "Question: " + "very ".repeat(200) + "long?\nAnswer: Paris";
    Task tooLong =
        TinyWorld.task(
            "run-poison",
            "too-long",
            fact,
            Variant.DIRECT,
            "Paris",
            longText,
            longText.length() - 5,
            List.of());
    Task unknownSae =
        TinyWorld.task(
            "run-poison",
            "unknown-sae",
            fact,
            Variant.DIRECT,
            "Paris",
            "Question: x?\nAnswer: Paris",
            21,
            List.of("no-such-sae"));
    PromptTask empty = TaskCodec.toAvro(good.get(0));
    empty.setTaskId("empty");
    empty.setText("   ");
    byte[] emptyBytes = Codecs.promptTask().encode(empty);
    byte[] unknownSchema = Codecs.promptTask().encode(TaskCodec.toAvro(good.get(1)));
    unknownSchema[2] ^= 0x5a; // flip a fingerprint byte: a schema nobody released
    byte[] garbage = "definitely not avro".getBytes();

    try (KafkaProducer<String, byte[]> raw =
            new KafkaProducer<>(
                kafka.client(),
                new org.apache.kafka.common.serialization.StringSerializer(),
                new org.apache.kafka.common.serialization.ByteArraySerializer());
        TaskPublisher publisher = TaskPublisher.open(kafka)) {
      String topic = kafka.topics().tasks();
      for (int i = 0; i < good.size(); i++) {
        publisher.publish(good.get(i));
        if (i == 1) {
          raw.send(new ProducerRecord<>(topic, "g", garbage)).get();
          raw.send(new ProducerRecord<>(topic, "e", emptyBytes)).get();
        }
        if (i == 4) {
          raw.send(new ProducerRecord<>(topic, "u", unknownSchema)).get();
          publisher.publish(tooLong);
          publisher.publish(unknownSae);
        }
      }
      publisher.flush();
    }
    Outcome out = runWorkerUntil(kafka, r -> r.size() >= good.size() * 2, "w2");
    assertEquals(good.size() * 2, out.results().size());
    List<DeadLetter> letters =
        readAll(kafka, kafka.topics().deadLetter(), 5, Codecs.deadLetter()::decode);
    Map<DeadLetterReason, Integer> reasons = new HashMap<>();
    for (DeadLetter d : letters) {
      reasons.merge(d.getReason(), 1, Integer::sum);
      assertEquals(kafka.topics().tasks(), d.getTopic());
      assertTrue(d.getValue() != null && d.getValue().remaining() > 0, "original bytes kept");
    }
    assertEquals(
        Map.of(
            DeadLetterReason.UNDECODABLE, 1,
            DeadLetterReason.EMPTY_TEXT, 1,
            DeadLetterReason.UNKNOWN_SCHEMA, 1,
            DeadLetterReason.TOO_LONG, 1,
            DeadLetterReason.UNKNOWN_SAE, 1),
        reasons);
    DeadLetter garbageLetter =
        letters.stream()
            .filter(d -> d.getReason() == DeadLetterReason.UNDECODABLE)
            .findFirst()
            .orElseThrow();
    byte[] kept = new byte[garbageLetter.getValue().remaining()];
    garbageLetter.getValue().get(kept);
    assertEquals(new String(garbage), new String(kept), "the garbage bytes are kept whole");
  }

  @Test
  void aOneMebibytePoisonMessageIsDeadLetteredAndTheBatchStillCommits(KafkaSettings kafka)
      throws Exception {
    TopicAdmin.ensureTopics(kafka, TopicSpec.standard(kafka.topics(), 2, TopicSpec.BROKER_DEFAULT));
    List<Task> good = TinyWorld.tasks("run-big-poison", 4);
    byte[] poison =
        new byte[1_048_450]; // within the topic's limit, over the producer's once wrapped
    new java.util.Random(5).nextBytes(poison);
    try (KafkaProducer<String, byte[]> raw =
            new KafkaProducer<>(
                kafka.client(),
                new org.apache.kafka.common.serialization.StringSerializer(),
                new org.apache.kafka.common.serialization.ByteArraySerializer());
        TaskPublisher publisher = TaskPublisher.open(kafka)) {
      publisher.publish(good.get(0));
      publisher.flush();
      raw.send(new ProducerRecord<>(kafka.topics().tasks(), good.get(0).itemId(), poison)).get();
      for (int i = 1; i < good.size(); i++) {
        publisher.publish(good.get(i));
      }
      publisher.flush();
    }
    Outcome out = runWorkerUntil(kafka, r -> r.size() >= good.size() * 2, "w-big");
    assertEquals(good.size() * 2, out.results().size(), "every good task answered");
    List<DeadLetter> letters =
        readAll(kafka, kafka.topics().deadLetter(), 1, Codecs.deadLetter()::decode);
    assertEquals(1, letters.size());
    assertEquals(DeadLetterReason.UNDECODABLE, letters.get(0).getReason());
    assertTrue(
        letters.get(0).getDetail().contains("original value 1048450 bytes, sha256 "),
        letters.get(0).getDetail());
  }

  record Outcome(List<LayerResult> results) {}

  private static Outcome runWorkerUntil(
      KafkaSettings kafka, Predicate<List<LayerResult>> done, String id) throws Exception {
    WorkerLoop loop =
        new WorkerLoop(
            kafka, settings(id), processor(id), new WorkerMetrics(new SimpleMeterRegistry(), id));
    Thread t = new Thread(loop, "worker-" + id);
    t.start();
    List<LayerResult> results = new ArrayList<>();
    try (KafkaConsumer<byte[], byte[]> c = Consumers.raw(kafka)) {
      List<TopicPartition> parts =
          c.partitionsFor(kafka.topics().results()).stream()
              .map(p -> new TopicPartition(p.topic(), p.partition()))
              .toList();
      c.assign(parts);
      c.seekToBeginning(parts);
      long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
      while (!done.test(results) && System.nanoTime() < deadline) {
        for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) {
          results.add(Codecs.layerResult().decode(r.value(), r.topic(), r.partition(), r.offset()));
        }
      }
    } finally {
      loop.stop();
      assertTrue(loop.awaitStopped(Duration.ofSeconds(30)), "worker stops within 30 s");
    }
    return new Outcome(results);
  }

  interface Decoder<T> {
    T decode(byte[] bytes, String topic, int partition, long offset) throws Exception;
  }

  static <T> List<T> readAll(KafkaSettings kafka, String topic, int atLeast, Decoder<T> decoder)
      throws Exception {
    List<T> out = new ArrayList<>();
    try (KafkaConsumer<byte[], byte[]> c = Consumers.raw(kafka)) {
      List<TopicPartition> parts =
          c.partitionsFor(topic).stream()
              .map(p -> new TopicPartition(p.topic(), p.partition()))
              .toList();
      c.assign(parts);
      c.seekToBeginning(parts);
      long deadline = System.nanoTime() + Duration.ofSeconds(180).toNanos();
      while (out.size() < atLeast && System.nanoTime() < deadline) {
        for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) {
          out.add(decoder.decode(r.value(), r.topic(), r.partition(), r.offset()));
        }
      }
      for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(500))) {
        out.add(decoder.decode(r.value(), r.topic(), r.partition(), r.offset()));
      }
    }
    return out;
  }

  static String key(LayerResult r) {
    return r.taskId() + "/" + r.layer() + "/" + r.site() + "/" + r.part();
  }
}
