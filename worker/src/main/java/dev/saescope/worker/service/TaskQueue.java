package dev.saescope.worker.service;

import dev.saescope.schemas.Task;
import dev.saescope.schemas.serde.Codecs;
import dev.saescope.schemas.serde.DeadLetters;
import dev.saescope.schemas.serde.DecodeException;
import dev.saescope.schemas.serde.MessageCodec;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;

/**
 * Tasks polled but not yet batched, in poll order, each decoded and checked once; micro-batches are
 * taken from the front by token budget. Used on the loop's thread only.
 *
 * @param <P> what the processor keeps of an accepted task
 */
final class TaskQueue<P> {
  private final TaskProcessor<P> processor;
  private final WorkerMetrics metrics;
  private final MessageCodec<Task> taskCodec = Codecs.task();
  private final ArrayDeque<PolledTask<P>> pending = new ArrayDeque<>();

  TaskQueue(TaskProcessor<P> processor, WorkerMetrics metrics) {
    this.processor = processor;
    this.metrics = metrics;
  }

  boolean isEmpty() {
    return pending.isEmpty();
  }

  /** Decodes and checks each record; what does not decode is poison with its reason. */
  void addAll(ConsumerRecords<String, byte[]> records) {
    for (ConsumerRecord<String, byte[]> r : records) {
      pending.add(new PolledTask<>(r, check(r)));
    }
    metrics.pending(pending.size());
  }

  private TaskProcessor.Checked<P> check(ConsumerRecord<String, byte[]> record) {
    Task task;
    try {
      task = taskCodec.decode(record);
    } catch (DecodeException e) {
      return new TaskProcessor.Rejected<>(DeadLetters.reasonForTask(e, record), e.getMessage());
    }
    return processor.check(task);
  }

  /**
   * Takes tasks while their tokens fit {@code batchTokens} and their count {@code maxTasks}; the
   * first task is always taken, and poison rides along at no cost.
   */
  List<PolledTask<P>> takeBatch(int batchTokens, int maxTasks) {
    List<PolledTask<P>> batch = new ArrayList<>();
    int tokens = 0;
    int tasks = 0;
    while (!pending.isEmpty()) {
      PolledTask<P> next = pending.peek();
      int t = next.tokens();
      boolean isTask = t > 0;
      if (isTask && tasks > 0 && (tokens + t > batchTokens || tasks >= maxTasks)) {
        break;
      }
      batch.add(pending.poll());
      tokens += t;
      tasks += isTask ? 1 : 0;
    }
    metrics.pending(pending.size());
    return batch;
  }

  /**
   * Drops the tasks of these partitions (revoked, or rewound to be read again).
   *
   * @return how many were dropped
   */
  int drop(Collection<org.apache.kafka.common.TopicPartition> partitions) {
    Set<org.apache.kafka.common.TopicPartition> gone = new HashSet<>(partitions);
    int before = pending.size();
    pending.removeIf(p -> gone.contains(p.partition()));
    metrics.pending(pending.size());
    return before - pending.size();
  }
}
