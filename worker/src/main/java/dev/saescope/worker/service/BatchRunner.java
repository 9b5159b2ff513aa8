package dev.saescope.worker.service;

import dev.saescope.schemas.DeadLetterReason;
import dev.saescope.schemas.LayerResult;
import dev.saescope.schemas.Task;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the processor on a micro-batch. If the batch as a whole fails, each task is retried alone,
 * so that one bad task cannot block its partition: a task that fails alone becomes poison, with
 * reason {@link DeadLetterReason#OTHER}.
 *
 * @param <P> what the processor keeps of an accepted task
 */
final class BatchRunner<P> {
  private static final Logger LOG = LoggerFactory.getLogger(BatchRunner.class);

  private final TaskProcessor<P> processor;

  BatchRunner(TaskProcessor<P> processor) {
    this.processor = processor;
  }

  /** An accepted task with the record it came from. */
  private record Work<P>(ConsumerRecord<String, byte[]> record, TaskProcessor.Accepted<P> task) {}

  /** Computes the accepted tasks of {@code batch}; the rejected ones become poison. */
  ComputedBatch run(List<PolledTask<P>> batch) {
    long start = System.nanoTime();
    List<ConsumerRecord<String, byte[]>> records = new ArrayList<>(batch.size());
    List<Work<P>> accepted = new ArrayList<>();
    List<Poison> poison = new ArrayList<>();
    for (PolledTask<P> p : batch) {
      records.add(p.record());
      switch (p.checked()) {
        case TaskProcessor.Accepted<P> a -> accepted.add(new Work<>(p.record(), a));
        case TaskProcessor.Rejected<P> r ->
            poison.add(new Poison(p.record(), r.reason(), r.detail()));
      }
    }
    List<LayerResult> results = compute(accepted, poison);
    List<Task> computed = new ArrayList<>(accepted.size());
    int tokens = 0;
    for (Work<P> w : accepted) {
      computed.add(w.task().task());
      tokens += w.task().tokens();
    }
    return new ComputedBatch(
        records,
        results,
        computed,
        tokens,
        poison,
        start,
        Duration.ofNanos(System.nanoTime() - start));
  }

  /** Results of {@code accepted}; a task that fails alone moves from there to {@code poison}. */
  private List<LayerResult> compute(List<Work<P>> accepted, List<Poison> poison) {
    if (accepted.isEmpty()) {
      return List.of();
    }
    try {
      return processor.process(accepted.stream().map(Work::task).toList());
    } catch (Exception batchFailure) {
      if (accepted.size() == 1) {
        LOG.error(
            "task {} failed: {}",
            accepted.get(0).task().task().taskId(),
            batchFailure.toString(),
            batchFailure);
        poison.add(failed(accepted.remove(0), batchFailure));
        return List.of();
      }
      LOG.warn(
          "batch of {} tasks failed ({}); retrying them one by one",
          accepted.size(),
          batchFailure.toString());
    }
    List<LayerResult> results = new ArrayList<>();
    for (Work<P> w : new ArrayList<>(accepted)) {
      try {
        results.addAll(processor.process(List.of(w.task())));
      } catch (Exception e) {
        LOG.error("task {} failed: {}", w.task().task().taskId(), e.toString(), e);
        poison.add(failed(w, e));
        accepted.remove(w);
      }
    }
    return results;
  }

  private static Poison failed(Work<?> w, Exception e) {
    return new Poison(w.record(), DeadLetterReason.OTHER, "processing failed: " + e);
  }
}
