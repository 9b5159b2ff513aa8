package dev.saescope.worker.service;

import dev.saescope.schemas.DeadLetterReason;
import dev.saescope.schemas.LayerResult;
import dev.saescope.schemas.Task;
import java.util.List;
import java.util.Objects;

/**
 * What the worker service runs on each micro-batch: the model and SAEs, behind one interface.
 *
 * @param <P> what {@link #check} keeps of an accepted task for {@link #process} (e.g. its tokens)
 */
public interface TaskProcessor<P> {

  /** A task checked before batching: accepted with its cost, or rejected as poison. */
  sealed interface Checked<P> permits Accepted, Rejected {}

  /**
   * A task this worker can run.
   *
   * @param task the task
   * @param tokens its length in tokens (BOS included): the micro-batch budget counts these
   * @param prepared what the processor keeps from checking
   */
  record Accepted<P>(Task task, int tokens, P prepared) implements Checked<P> {
    public Accepted {
      Objects.requireNonNull(task, "task");
      Objects.requireNonNull(prepared, "prepared");
      if (tokens <= 0) {
        throw new IllegalArgumentException("tokens must be positive, got " + tokens);
      }
    }
  }

  /** A task that can never succeed here; it goes to the dead-letter topic with this reason. */
  record Rejected<P>(DeadLetterReason reason, String detail) implements Checked<P> {
    public Rejected {
      Objects.requireNonNull(reason, "reason");
      Objects.requireNonNull(detail, "detail");
    }
  }

  /** Checks one task (cheap: tokenization, limits, SAE names). Must not throw for bad content. */
  Checked<P> check(Task task);

  /**
   * Computes the results of a batch, in task order; every task yields at least one result, each
   * whole (the service splits what is too large for one message).
   *
   * @throws Exception only for failures of this worker (out of memory, engine errors), never for
   *     bad task content, which {@link #check} rejects
   */
  List<LayerResult> process(List<Accepted<P>> batch) throws Exception;

  /** Identifies the model and SAEs, for logs and metrics. */
  String describe();
}
