package dev.saescope.schemas;

/**
 * A producer's word about a run, sent before its first task (and again when a streaming run ends):
 * the aggregator's progress is {@code tasks done / tasks}, and its resampling is seeded from {@code
 * seed}.
 *
 * @param runId the run
 * @param dataset where the items came from
 * @param seed the producer's seed
 * @param items items of the run, -1 while unknown
 * @param tasks tasks of the run, -1 while unknown
 * @param open whether more tasks may still come (stdin, HTTP)
 * @param announcedAtMs when it was said
 */
public record RunAnnouncement(
    String runId,
    String dataset,
    long seed,
    long items,
    long tasks,
    boolean open,
    long announcedAtMs) {
  public RunAnnouncement {
    Require.nonBlank(runId, "runId", "run announcement");
    Require.nonBlank(dataset, "dataset", "run announcement of " + runId);
    if (items < -1 || tasks < -1) {
      throw new IllegalArgumentException(
          "run announcement of "
              + runId
              + ": items "
              + items
              + ", tasks "
              + tasks
              + " (-1 = unknown)");
    }
  }

  /** Whether the number of tasks is known. */
  public boolean tasksKnown() {
    return tasks >= 0;
  }
}
