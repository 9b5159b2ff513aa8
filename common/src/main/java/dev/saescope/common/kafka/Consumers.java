package dev.saescope.common.kafka;

import dev.saescope.schemas.Task;
import dev.saescope.schemas.serde.Codecs;
import dev.saescope.schemas.serde.Decoded;
import dev.saescope.schemas.serde.MessageCodec;
import dev.saescope.schemas.serde.MessageDeserializer;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.CooperativeStickyAssignor;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * The consumers saescope's roles use. Values arrive as {@link Decoded}: a poison message is data
 * for the dead-letter topic, not an exception in {@code poll()}.
 */
public final class Consumers {
  private Consumers() {}

  /**
   * Group consumer properties: the user's client properties, then ours where the user set none,
   * then {@code overrides} (a role's own choices, e.g. the worker's batch size).
   */
  public static Properties groupSettings(
      KafkaSettings settings, String groupId, Properties overrides) {
    if (groupId == null || groupId.isBlank()) {
      throw new IllegalArgumentException("consumer group id is blank");
    }
    Properties p = settings.client();
    p.setProperty(ConsumerConfig.GROUP_ID_CONFIG, groupId);
    // Workers write results in transactions; never read a result or task of an aborted one.
    p.putIfAbsent(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    // Offsets are committed with the results, inside the worker's transaction; never on a timer.
    p.putIfAbsent(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    // The assignor below belongs to the classic group protocol (KIP-848 assigns on the broker).
    p.putIfAbsent(ConsumerConfig.GROUP_PROTOCOL_CONFIG, "classic");
    // A worker joining or leaving moves only the partitions that must move; the others keep
    // working.
    p.putIfAbsent(
        ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG,
        CooperativeStickyAssignor.class.getName());
    // A new group starts at the first task, not at tasks published after it joined.
    p.putIfAbsent(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    // A forward pass of a 2B model on CPU takes on the order of a second per task: small polls keep
    // one loop iteration far inside max.poll.interval.ms (default 500 records would not be).
    p.putIfAbsent(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "16");
    if (overrides != null) {
      for (String k : overrides.stringPropertyNames()) {
        p.setProperty(k, overrides.getProperty(k));
      }
    }
    return p;
  }

  /** A group consumer of one message type, keys as strings. */
  public static <R> KafkaConsumer<String, Decoded<R>> create(
      KafkaSettings settings, String groupId, MessageCodec<R> codec, Properties overrides) {
    return new KafkaConsumer<>(
        groupSettings(settings, groupId, overrides),
        new StringDeserializer(),
        new MessageDeserializer<>(codec));
  }

  /** The workers' task consumer: {@link Task} records, validated on decode. */
  public static KafkaConsumer<String, Decoded<Task>> tasks(
      KafkaSettings settings, String groupId, Properties overrides) {
    return create(settings, groupId, Codecs.task(), overrides);
  }

  /**
   * A consumer with no group (for {@code tail} and tests): the caller assigns partitions and seeks;
   * nothing is committed. Reads committed data only, like the roles do.
   */
  public static KafkaConsumer<byte[], byte[]> raw(KafkaSettings settings) {
    Properties p = settings.client();
    p.remove(ConsumerConfig.GROUP_ID_CONFIG);
    // No group: there is nowhere to commit to.
    p.setProperty(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    // Show what the roles would see: skip records of aborted transactions.
    p.putIfAbsent(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    return new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
  }

  /**
   * Assigns every partition of {@code topic} to a group-less consumer and seeks to the beginning,
   * for readers of a whole topic (tail-like tools, benchmarks, the latent-info check).
   *
   * @return the assigned partitions
   */
  public static List<TopicPartition> assignFromBeginning(
      KafkaConsumer<?, ?> consumer, String topic, Duration timeout) {
    List<TopicPartition> parts =
        consumer.partitionsFor(topic, timeout).stream()
            .map(p -> new TopicPartition(topic, p.partition()))
            .toList();
    consumer.assign(parts);
    consumer.seekToBeginning(parts);
    return parts;
  }
}
