package dev.saescope.common.kafka;

import dev.saescope.schemas.TopicKind;
import dev.saescope.schemas.Topics;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.config.TopicConfig;

/**
 * A topic to create when missing.
 *
 * @param name full topic name
 * @param partitions partition count, at least 1
 * @param replicationFactor replicas per partition, or {@link #BROKER_DEFAULT} for the broker's
 *     {@code default.replication.factor}
 * @param configs topic-level configs, e.g. {@code cleanup.policy=compact}
 */
public record TopicSpec(
    String name, int partitions, short replicationFactor, Map<String, String> configs) {
  /** Let the broker choose the replication factor. */
  public static final short BROKER_DEFAULT = -1;

  public TopicSpec {
    if (name == null || name.isBlank()) {
      throw new IllegalArgumentException("topic name is blank");
    }
    if (partitions < 1) {
      throw new IllegalArgumentException(
          "topic " + name + ": partitions must be >= 1, got " + partitions);
    }
    if (replicationFactor < 1 && replicationFactor != BROKER_DEFAULT) {
      throw new IllegalArgumentException(
          "topic " + name + ": replication factor must be >= 1, got " + replicationFactor);
    }
    configs = Map.copyOf(configs);
  }

  /**
   * saescope's topics: tasks and results with {@code partitions} partitions (the task topic bounds
   * how many workers can share a group), latent-info and runs compacted with one partition,
   * dead-letter with one partition (rare, read by humans).
   */
  public static List<TopicSpec> standard(Topics topics, int partitions, short replicationFactor) {
    List<TopicSpec> specs = new ArrayList<>();
    for (TopicKind kind : TopicKind.values()) {
      specs.add(
          switch (kind) {
            case TASKS, RESULTS ->
                new TopicSpec(topics.name(kind), partitions, replicationFactor, Map.of());
            // Compacted: a reader rebuilds the newest metadata per (SAE, chunk) key from the log.
            // Compacted too: the newest announcement per run id is all that matters.
            case LATENT_INFO, RUNS ->
                new TopicSpec(
                    topics.name(kind),
                    1,
                    replicationFactor,
                    Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT));
            case DEAD_LETTER -> new TopicSpec(topics.name(kind), 1, replicationFactor, Map.of());
          });
    }
    return List.copyOf(specs);
  }
}
