package dev.saescope.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A second broker on a data directory in use is refused before it writes anything, whether it
 * starts in the same JVM or as another {@code saescope broker} process; the first one keeps
 * serving, and its data survives a restart.
 */
class DataDirLockTest {
  @TempDir Path dir;
  @TempDir Path logs;

  @Test
  void secondBrokerIsRefusedAndTheFirstKeepsServingAndItsData() throws Exception {
    String topic = "lock-test";
    try (EmbeddedBroker first = EmbeddedBroker.start(EmbeddedBroker.Config.at(dir))) {
      // Kafka's own log-directory lock refuses a second node only after its controller has bumped
      // the leader epoch recorded here.
      Path quorumState = first.logDir().resolve("__cluster_metadata-0").resolve("quorum-state");
      String stateBefore = Files.readString(quorumState);

      Path log = logs.resolve("second-broker.log");
      Process second = startBrokerProcess(log, "--port", "0", "--data-dir", dir.toString());
      try {
        assertTrue(second.waitFor(60, TimeUnit.SECONDS), "a refused broker exits at once");
      } finally {
        second.destroyForcibly();
      }
      String out = Files.readString(log);
      assertEquals(1, second.exitValue(), out);
      assertTrue(
          out.contains(
              "data directory "
                  + dir.toRealPath()
                  + " is in use by another broker (pid "
                  + ProcessHandle.current().pid()
                  + ")"),
          out);
      assertFalse(out.contains("Exception"), "a message, not a stack trace: " + out);

      var inJvm =
          assertThrows(
              BrokerStartException.class,
              () -> EmbeddedBroker.start(EmbeddedBroker.Config.at(dir)));
      assertTrue(
          inJvm.getMessage().contains("data directory " + dir.toRealPath() + " is in use"),
          inJvm.getMessage());

      assertEquals(
          stateBefore,
          Files.readString(quorumState),
          "the refused brokers left the running node's quorum state alone");
      Properties p = client(first);
      try (Admin admin = Admin.create(p)) {
        admin
            .createTopics(List.of(new NewTopic(topic, 1, (short) 1)))
            .all()
            .get(30, TimeUnit.SECONDS);
      }
      p.setProperty(ProducerConfig.ACKS_CONFIG, "all");
      try (var producer = new KafkaProducer<>(p, new StringSerializer(), new StringSerializer())) {
        for (int i = 0; i < 5; i++) {
          producer.send(new ProducerRecord<>(topic, "k" + i, "v" + i)).get(30, TimeUnit.SECONDS);
        }
      }
      assertEquals(5, EmbeddedBrokerTest.readAll(client(first), topic, 1, 5).size());
    }
    try (EmbeddedBroker again = EmbeddedBroker.start(EmbeddedBroker.Config.at(dir))) {
      assertFalse(again.formattedNow(), "the restart reopens the existing metadata");
      try (Admin admin = Admin.create(client(again))) {
        assertTrue(admin.listTopics().names().get(30, TimeUnit.SECONDS).contains(topic));
      }
      assertEquals(
          List.of("v0", "v1", "v2", "v3", "v4"),
          EmbeddedBrokerTest.readAll(client(again), topic, 1, 5));
    }
  }

  private static Properties client(EmbeddedBroker broker) {
    Properties p = new Properties();
    p.setProperty(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
    return p;
  }

  private static Process startBrokerProcess(Path log, String... args) throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<String> cmd =
        new java.util.ArrayList<>(
            List.of(
                java,
                "-Xmx256m",
                "-cp",
                System.getProperty("java.class.path"),
                BrokerProcessMain.class.getName()));
    cmd.addAll(List.of(args));
    return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
  }
}
