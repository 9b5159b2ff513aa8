package dev.saescope.aggregator.service;

import dev.saescope.aggregator.Aggregator;
import dev.saescope.common.kafka.KafkaSettings;
import dev.saescope.schemas.Topics;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;

/**
 * An aggregator in a process of its own, for the kill -9 test: {@code bootstrap prefix stateDir
 * port}. Prints "ready" once the API serves.
 */
public final class AggregatorProcessMain {
  private AggregatorProcessMain() {}

  public static void main(String[] args) throws Exception {
    KafkaSettings kafka = KafkaSettings.forBootstrap(args[0]).withTopics(new Topics(args[1]));
    int port = Integer.parseInt(args[3]);
    AggregatorConfig config =
        new AggregatorConfig(
            kafka, Path.of(args[2]), "127.0.0.1:" + port, Duration.ofMillis(300), 1);
    try (Aggregator a = Aggregator.start(config, "127.0.0.1", port, null)) {
      System.out.println("ready");
      System.out.flush();
      a.awaitStopOr(new CountDownLatch(1));
    }
  }
}
