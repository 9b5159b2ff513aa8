package dev.saescope.worker.service;

import dev.saescope.avro.DeadLetterReason;
import dev.saescope.avro.TaskResult;
import dev.saescope.schemas.Task;
import java.util.List;
import java.util.Objects;

/** What the worker service runs on each micro-batch: the model and SAEs, behind one interface. */
public interface TaskProcessor {

  /** A task checked before batching: accepted with its cost, or rejected as poison. */
  sealed interface Checked permits Accepted, Rejected {}

  /**
   * A task this worker can run.
   *
   * @param task the task
   * @param tokens its length in tokens (BOS included): the micro-batch budget counts these
   * @param prepared whatever the processor wants to keep from checking (e.g. token ids)
   */
  record Accepted(Task task, int tokens, Object prepared) implements Checked {
    public Accepted {
      Objects.requireNonNull(task, "task");
      if (tokens <= 0) {
        throw new IllegalArgumentException("tokens must be positive, got " + tokens);
      }
    }
  }

  /** A task that can never succeed here; it goes to the dead-letter topic with this reason. */
  record Rejected(DeadLetterReason reason, String detail) implements Checked {
    public Rejected {
      Objects.requireNonNull(reason, "reason");
      Objects.requireNonNull(detail, "detail");
    }
  }

  /** Checks one task (cheap: tokenization, limits, SAE names). Must not throw for bad content. */
  Checked check(Task task);

  /**
   * Computes the results of a batch, in task order; every task yields at least one result.
   *
   * @throws Exception only for failures of this worker (out of memory, engine errors), never for
   *     bad task content, which {@link #check} rejects
   */
  List<TaskResult> process(List<Accepted> batch) throws Exception;

  /** Identifies the model and SAEs, for logs and metrics. */
  String describe();
}
