package dev.saescope.common.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.saescope.avro.DeadLetter;
import dev.saescope.avro.DeadLetterReason;
import dev.saescope.common.kafka.KafkaSettings;
import dev.saescope.common.kafka.TaskPublisher;
import dev.saescope.common.kafka.TopicAdmin;
import dev.saescope.common.kafka.TopicSpec;
import dev.saescope.common.testing.EmbeddedKafkaExtension;
import dev.saescope.schemas.Task;
import dev.saescope.schemas.Variant;
import dev.saescope.schemas.serde.Codecs;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import picocli.CommandLine;

@ExtendWith(EmbeddedKafkaExtension.class)
class TailCommandTest {
  record Run(int exit, String out, String err) {}

  static Run tail(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int exit =
        new CommandLine(new TailCommand())
            .setOut(new PrintWriter(out))
            .setErr(new PrintWriter(err))
            .execute(args);
    return new Run(exit, out.toString(), err.toString());
  }

  @Test
  void printsTasksAsJsonAndReportsUndecodableMessages(KafkaSettings kafka) throws Exception {
    TopicAdmin.ensureTopics(kafka, TopicSpec.standard(kafka.topics(), 1, (short) 1));
    String text = "The capital of France is";
    Task cloze =
        new Task(
            "r",
            "t1",
            "P36:France",
            "P36",
            "France",
            List.of("Paris"),
            Variant.CLOZE,
            null,
            "p1",
            "",
            "",
            text,
            text.length(),
            false,
            List.of(),
            0);
    try (TaskPublisher p = TaskPublisher.open(kafka)) {
      p.publish(cloze);
      p.flush();
    }
    try (var raw =
        new KafkaProducer<>(kafka.client(), new StringSerializer(), new ByteArraySerializer())) {
      raw.send(new ProducerRecord<>(kafka.topics().tasks(), "k", new byte[] {1, 2, 3}))
          .get(10, TimeUnit.SECONDS);
      raw.send(
              new ProducerRecord<>(
                  kafka.topics().tasks(), "P36:France", Codecs.task().encode(cloze)))
          .get(10, TimeUnit.SECONDS);
    }
    Run run =
        tail(
            "--bootstrap-servers",
            kafka.bootstrapServers(),
            "--topic-prefix",
            kafka.topics().prefix(),
            "--topic",
            "tasks",
            "--from-beginning",
            "--max",
            "3",
            "--idle-exit",
            "10");
    assertEquals(0, run.exit(), run.err());
    List<String> lines = run.out().lines().toList();
    assertEquals(2, lines.size(), run.out());
    JsonNode first = new ObjectMapper().readTree(lines.get(0));
    assertEquals("PromptTask", first.get("type").asText());
    assertEquals("P36:France", first.get("key").asText());
    assertEquals("cloze", first.get("value").get("variant").asText());
    assertEquals(text, first.get("value").get("text").asText());
    assertEquals("Paris", first.get("value").get("gold_objects").get(0).asText());
    assertTrue(first.get("value").get("family").isNull());
    assertTrue(
        run.err().contains("topic " + kafka.topics().tasks() + " partition 0 offset 1"), run.err());
    assertEquals(
        2,
        new ObjectMapper().readTree(lines.get(1)).get("offset").asInt(),
        "tail went on after the bad message");
  }

  @Test
  void deadLetterBytesPrintAsBase64OrSize(KafkaSettings kafka) throws Exception {
    TopicAdmin.ensureTopics(kafka, TopicSpec.standard(kafka.topics(), 1, (short) 1));
    DeadLetter small =
        DeadLetter.newBuilder()
            .setReason(DeadLetterReason.UNDECODABLE)
            .setDetail("d")
            .setTopic("x")
            .setPartition(0)
            .setOffset(5)
            .setKey(null)
            .setValue(ByteBuffer.wrap(new byte[] {1, 2, 3}))
            .setRole("worker")
            .setInstanceId("w1")
            .setFailedAtMs(1)
            .build();
    DeadLetter big = DeadLetter.newBuilder(small).setValue(ByteBuffer.wrap(new byte[1000])).build();
    try (var raw =
        new KafkaProducer<>(kafka.client(), new StringSerializer(), new ByteArraySerializer())) {
      raw.send(
              new ProducerRecord<>(
                  kafka.topics().deadLetter(), null, Codecs.deadLetter().encode(small)))
          .get(10, TimeUnit.SECONDS);
      raw.send(
              new ProducerRecord<>(
                  kafka.topics().deadLetter(), null, Codecs.deadLetter().encode(big)))
          .get(10, TimeUnit.SECONDS);
    }
    Run run =
        tail(
            "--bootstrap-servers",
            kafka.bootstrapServers(),
            "--topic",
            kafka.topics().deadLetter(),
            "--from-beginning",
            "--max",
            "2",
            "--idle-exit",
            "10");
    assertEquals(0, run.exit(), run.err());
    List<String> lines = run.out().lines().toList();
    assertEquals(
        "AQID", new ObjectMapper().readTree(lines.get(0)).get("value").get("value").asText());
    assertEquals(
        "<1000 bytes>",
        new ObjectMapper().readTree(lines.get(1)).get("value").get("value").asText());
    assertEquals(
        "UNDECODABLE",
        new ObjectMapper().readTree(lines.get(1)).get("value").get("reason").asText());
  }

  @Test
  void missingTopicListsTheTopicsThatExist(KafkaSettings kafka) throws Exception {
    String real = "tail-real-" + System.nanoTime();
    try (Admin admin = Admin.create(kafka.client())) {
      admin.createTopics(List.of(new NewTopic(real, 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
    }
    Run run =
        tail(
            "--bootstrap-servers",
            kafka.bootstrapServers(),
            "--topic-prefix",
            "nosuchprefix.",
            "--topic",
            "tasks");
    assertEquals(1, run.exit(), run.err());
    assertTrue(run.err().contains("topic nosuchprefix.tasks does not exist"), run.err());
    assertTrue(run.err().contains("topics there: ") && run.err().contains(real), run.err());
    assertFalse(run.err().contains("nosuchprefix.results"), "only topics that exist: " + run.err());
    assertFalse(run.err().contains("__consumer_offsets"), "no internal topics: " + run.err());
  }

  @Test
  void missingTopicAndMissingBrokerAreClearErrors(KafkaSettings kafka) throws Exception {
    Run missingTopic =
        tail(
            "--bootstrap-servers", kafka.bootstrapServers(), "--topic", "nope", "--idle-exit", "1");
    assertEquals(1, missingTopic.exit());
    assertTrue(missingTopic.err().contains("topic nope does not exist"), missingTopic.err());

    int port;
    try (var s = new java.net.ServerSocket(0)) {
      port = s.getLocalPort();
    }
    long start = System.nanoTime();
    Run noBroker =
        tail(
            "--bootstrap-servers",
            "127.0.0.1:" + port,
            "--broker-timeout",
            "2",
            "--topic",
            "tasks");
    assertEquals(1, noBroker.exit());
    assertTrue(
        noBroker.err().contains("no Kafka broker answered at 127.0.0.1:" + port + " within 2 s"),
        noBroker.err());
    assertTrue((System.nanoTime() - start) / 1e9 < 8);
  }
}
