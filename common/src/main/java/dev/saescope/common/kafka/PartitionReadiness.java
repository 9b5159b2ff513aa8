package dev.saescope.common.kafka;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.errors.RetriableException;

/**
 * Waits until every partition of a just-created topic is served by its leader.
 *
 * <p>Why: an idempotent producer that writes to a partition the broker has not finished creating
 * can lose a batch. The first request fails with NOT_LEADER_OR_FOLLOWER, a later in-flight request
 * is accepted, and every retry of the first then fails with OUT_OF_ORDER_SEQUENCE_NUMBER until
 * {@code delivery.timeout.ms} expires it (KAFKA-15591, also KAFKA-14312 and KAFKA-19880; fixed
 * upstream in apache/kafka#23234, after Kafka 4.3.1). We saw exactly this in about half the runs of
 * {@code ProducePublishTest} on the embedded broker. A ListOffsets request is answered by the
 * partition leader's replica manager, the same lookup a produce request goes through, so once it
 * succeeds for every partition the first produce cannot hit that window.
 *
 * <p>{@link TopicAdmin#ensureTopics} runs it for every topic it creates, so every role gets it.
 */
final class PartitionReadiness {
  private static final long PAUSE_MS = 100;

  private PartitionReadiness() {}

  /**
   * @throws KafkaException naming the topic when it is not ready within the broker timeout
   */
  static void await(KafkaSettings settings, String topic) throws InterruptedException {
    long timeoutMs = settings.brokerTimeout().toMillis();
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
    Properties p = settings.client();
    // Bound each admin call by the user's broker timeout instead of the 60 s default.
    p.putIfAbsent(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, Long.toString(timeoutMs));
    p.putIfAbsent(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, Long.toString(timeoutMs));
    Throwable last = null;
    try (Admin admin = Admin.create(p)) {
      while (System.nanoTime() < deadline) {
        try {
          TopicDescription d =
              admin
                  .describeTopics(List.of(topic))
                  .allTopicNames()
                  .get(timeoutMs, TimeUnit.MILLISECONDS)
                  .get(topic);
          Map<TopicPartition, OffsetSpec> all = new LinkedHashMap<>();
          for (TopicPartitionInfo info : d.partitions()) {
            all.put(new TopicPartition(topic, info.partition()), OffsetSpec.latest());
          }
          admin.listOffsets(all).all().get(timeoutMs, TimeUnit.MILLISECONDS);
          return;
        } catch (ExecutionException e) {
          if (!(e.getCause() instanceof RetriableException)) {
            throw new KafkaException(
                "topic " + topic + " is not usable: " + e.getCause().getMessage(), e.getCause());
          }
          last = e.getCause();
        } catch (TimeoutException e) {
          last = e;
        }
        Thread.sleep(PAUSE_MS);
      }
    }
    throw new KafkaException(
        "the partitions of topic "
            + topic
            + " have no serving leader after "
            + settings.brokerTimeout().toSeconds()
            + " s"
            + (last == null ? "" : ": " + last.getMessage()),
        last);
  }
}
