package dev.saescope.common.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.saescope.schemas.Task;
import dev.saescope.schemas.Variant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIf;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;
import org.testcontainers.kafka.KafkaContainer;

/**
 * The same publish path against Kafka in a container, for machines with a Docker engine. Where none
 * is reachable it skips itself and says so; {@code EmbeddedBrokerTest} and the other
 * embedded-broker tests carry the coverage there. (The condition is ours rather than {@code
 * disabledWithoutDocker = true} so that the skip is logged with its reason.)
 */
@Testcontainers
@EnabledIf(
    value = "dockerAvailable",
    disabledReason =
        "no Docker engine reachable: Testcontainers Kafka test skipped, the embedded broker carries the coverage")
class TestcontainersKafkaTest {
  private static final Logger LOG = LoggerFactory.getLogger(TestcontainersKafkaTest.class);

  static boolean dockerAvailable() {
    boolean available;
    try {
      available = DockerClientFactory.instance().isDockerAvailable();
    } catch (RuntimeException | LinkageError e) {
      available = false;
    }
    if (!available) {
      LOG.warn(
          "no Docker engine reachable: skipping the Testcontainers Kafka test (the embedded broker carries the coverage)");
    }
    return available;
  }

  @Container static final KafkaContainer KAFKA = new KafkaContainer("apache/kafka:4.1.0");

  @Test
  void publishesToAContainerBroker() throws Exception {
    KafkaSettings kafka = KafkaSettings.forBootstrap(KAFKA.getBootstrapServers());
    TopicAdmin.ensureTopics(kafka, TopicSpec.standard(kafka.topics(), 1, (short) 1));
    String text = "Question: Capital of France?\nAnswer: Paris";
    Task t =
        new Task(
            "r",
            "t",
            "i",
            "P36",
            "France",
            List.of("Paris"),
            Variant.DIRECT,
            null,
            "q",
            "Capital of France?",
            "Paris",
            text,
            text.length() - 5,
            false,
            List.of(),
            0);
    try (TaskPublisher p = TaskPublisher.open(kafka)) {
      p.publish(t);
      PublishStats s = p.flush();
      assertEquals(1, s.acknowledged());
    }
  }
}
