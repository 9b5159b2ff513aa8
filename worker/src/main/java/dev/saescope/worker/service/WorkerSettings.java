package dev.saescope.worker.service;

import java.time.Duration;
import java.util.Objects;

/**
 * How one worker batches and identifies itself.
 *
 * @param workerId unique and stable per worker process slot: it names the transactional producer,
 *     so a restarted worker with the same id fences its killed predecessor at once
 * @param groupId the consumer group every worker of a pool shares
 * @param batchTokens micro-batch budget: tasks are added while their tokens fit (one task always)
 * @param maxBatchTasks upper bound on tasks per batch, whatever their length
 * @param maxMessageBytes results larger than this are split into parts
 * @param shutdownTimeout how long SIGTERM waits for the batch in flight before giving up
 */
public record WorkerSettings(
    String workerId,
    String groupId,
    int batchTokens,
    int maxBatchTasks,
    int maxMessageBytes,
    Duration shutdownTimeout) {

  public static final String DEFAULT_GROUP = "saescope-workers";
  public static final int DEFAULT_MAX_MESSAGE_BYTES = 256 * 1024 - 4096;

  public WorkerSettings {
    Objects.requireNonNull(workerId, "workerId");
    Objects.requireNonNull(groupId, "groupId");
    Objects.requireNonNull(shutdownTimeout, "shutdownTimeout");
    if (workerId.isBlank() || groupId.isBlank()) {
      throw new IllegalArgumentException("worker id and group id must not be blank");
    }
    if (batchTokens <= 0 || maxBatchTasks <= 0) {
      throw new IllegalArgumentException(
          "--batch-tokens and --max-batch-tasks must be positive, got "
              + batchTokens
              + " and "
              + maxBatchTasks);
    }
    if (maxMessageBytes < 16 * 1024) {
      throw new IllegalArgumentException(
          "max message bytes must be at least 16 KiB, got " + maxMessageBytes);
    }
  }

  /** The transactional id of this worker's producer. */
  public String transactionalId() {
    return groupId + "-" + workerId;
  }
}
