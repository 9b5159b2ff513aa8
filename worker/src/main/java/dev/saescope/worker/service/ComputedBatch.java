package dev.saescope.worker.service;

import dev.saescope.schemas.LayerResult;
import dev.saescope.schemas.Task;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * A micro-batch after computing, ready for its transaction: the results to publish, the poison to
 * dead-letter, and the records whose offsets the transaction commits.
 *
 * @param records every record of the batch, in poll order
 * @param results whole results of the tasks computed, in task order
 * @param computed the tasks that have results
 * @param tokens their tokens
 * @param poison the records that go to the dead-letter topic
 * @param startNanos {@link System#nanoTime()} when the batch was taken
 * @param compute how long computing took
 */
record ComputedBatch(
    List<ConsumerRecord<String, byte[]>> records,
    List<LayerResult> results,
    List<Task> computed,
    int tokens,
    List<Poison> poison,
    long startNanos,
    Duration compute) {

  /** Per partition, the offset after the batch's last record: what the transaction commits. */
  Map<TopicPartition, OffsetAndMetadata> nextOffsets() {
    Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
    for (ConsumerRecord<String, byte[]> r : records) {
      offsets.merge(
          new TopicPartition(r.topic(), r.partition()),
          new OffsetAndMetadata(r.offset() + 1),
          (a, b) -> a.offset() >= b.offset() ? a : b);
    }
    return offsets;
  }

  /** Per partition, the batch's first offset: where to rewind after an abort. */
  Map<TopicPartition, Long> firstOffsets() {
    Map<TopicPartition, Long> first = new HashMap<>();
    for (ConsumerRecord<String, byte[]> r : records) {
      first.merge(new TopicPartition(r.topic(), r.partition()), r.offset(), Math::min);
    }
    return first;
  }
}
