package dev.saescope.common.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** A broker that is not there gives a clear error within the bounded time, never a hang. */
class NoBrokerTest {
  static int closedPort() throws Exception {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      return s.getLocalPort();
    }
  }

  @Test
  void ensureTopicsFailsWithinTheTimeout() throws Exception {
    String bootstrap = "127.0.0.1:" + closedPort();
    KafkaSettings settings =
        KafkaSettings.forBootstrap(bootstrap).withBrokerTimeout(Duration.ofSeconds(2));
    long start = System.nanoTime();
    var e =
        assertThrows(
            BrokerUnavailableException.class,
            () ->
                TopicAdmin.ensureTopics(
                    settings, TopicSpec.standard(settings.topics(), 2, TopicSpec.BROKER_DEFAULT)));
    double seconds = (System.nanoTime() - start) / 1e9;
    assertEquals(
        "no Kafka broker answered at " + bootstrap + " within 2 s",
        e.getMessage().substring(0, e.getMessage().indexOf(" (")));
    assertTrue(seconds < 8, "took " + seconds + " s");
  }

  @Test
  void unresolvableHostIsNamed() {
    KafkaSettings settings =
        KafkaSettings.forBootstrap("no-such-host.invalid:9092")
            .withBrokerTimeout(Duration.ofSeconds(2));
    long start = System.nanoTime();
    var e =
        assertThrows(BrokerUnavailableException.class, () -> TopicAdmin.checkReachable(settings));
    assertTrue(e.getMessage().contains("no-such-host.invalid:9092"), e.getMessage());
    assertTrue((System.nanoTime() - start) / 1e9 < 8);
  }

  @Test
  void publisherFailsWithinTheTimeout() throws Exception {
    String bootstrap = "127.0.0.1:" + closedPort();
    KafkaSettings settings =
        KafkaSettings.forBootstrap(bootstrap).withBrokerTimeout(Duration.ofSeconds(2));
    long start = System.nanoTime();
    try (TaskPublisher publisher = TaskPublisher.open(settings)) {
      var e =
          assertThrows(
              PublishException.class,
              () -> {
                publisher.publish(TestTask.direct("item-1", 0));
                publisher.flush();
              });
      assertTrue(e.getMessage().contains(settings.topics().tasks()), e.getMessage());
    }
    assertTrue((System.nanoTime() - start) / 1e9 < 40, "bounded by max.block.ms and close");
  }
}
