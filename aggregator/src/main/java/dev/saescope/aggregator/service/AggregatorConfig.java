package dev.saescope.aggregator.service;

import dev.saescope.common.kafka.KafkaSettings;
import java.nio.file.Path;
import java.time.Duration;

/**
 * How one aggregator instance runs.
 *
 * @param kafka cluster, client properties and topic names
 * @param stateDir where Kafka Streams keeps its local stores (restored from changelogs if lost)
 * @param advertised {@code host:port} other instances reach this one's HTTP API at
 * @param idle how long a task waits without new parts before it counts as complete
 * @param threads stream threads of this instance
 */
public record AggregatorConfig(
    KafkaSettings kafka, Path stateDir, String advertised, Duration idle, int threads) {
  public AggregatorConfig {
    if (threads < 1) {
      throw new IllegalArgumentException("--threads must be at least 1, got " + threads);
    }
    if (idle.isNegative() || idle.isZero()) {
      throw new IllegalArgumentException("the task idle time must be positive, got " + idle);
    }
    if (!advertised.matches("[^:]+:\\d{1,5}")) {
      throw new IllegalArgumentException("advertised address must be host:port, got " + advertised);
    }
  }

  /**
   * The Kafka Streams application id: one per topic prefix, so teams sharing a cluster stay apart.
   */
  public String applicationId() {
    return kafka.topics().prefix() + "aggregator";
  }
}
