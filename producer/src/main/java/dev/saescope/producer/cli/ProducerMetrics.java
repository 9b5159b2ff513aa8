package dev.saescope.producer.cli;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;

/**
 * The producer's meters, served on {@code produce --metrics-port} while it publishes. Names are the
 * contract with {@code monitoring/} (the dashboard's "Producer" panels; cli PrometheusPipelineTest
 * queries them in a real Prometheus). Tagged role=producer, never per run.
 */
final class ProducerMetrics {
  private final Counter tasks;
  private final Counter items;
  private final Counter runs;

  ProducerMetrics(MeterRegistry registry) {
    Tags tags = Tags.of("role", "producer");
    tasks =
        Counter.builder("saescope.producer.tasks.sent")
            .description("Tasks handed to the Kafka producer (acknowledged at the run's end)")
            .tags(tags)
            .register(registry);
    items =
        Counter.builder("saescope.producer.items")
            .description("Dataset items whose tasks were all sent")
            .tags(tags)
            .register(registry);
    runs =
        Counter.builder("saescope.producer.runs.announced")
            .description("Runs announced (the announcement before a run's first task)")
            .tags(tags)
            .register(registry);
  }

  void taskSent() {
    tasks.increment();
  }

  void itemSent() {
    items.increment();
  }

  void runAnnounced() {
    runs.increment();
  }
}
