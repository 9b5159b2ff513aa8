package dev.saescope.schemas;

/** The kinds of saescope topic, each with the one message type it carries. */
public enum TopicKind {
  /** {@code PromptTask} messages keyed by item id. */
  TASKS("tasks", false),
  /** {@code TaskResult} messages keyed by item id. */
  RESULTS("results", false),
  /** {@code LatentInfo} keyed by SAE id and chunk; compacted: only the newest per key matters. */
  LATENT_INFO("latent-info", true),
  /** {@code DeadLetter} messages with the original bytes. */
  DEAD_LETTER("dead-letter", false),
  /** {@code RunAnnouncement} keyed by run id; compacted: the newest word about each run. */
  RUNS("runs", true);

  private final String suffix;
  private final boolean compacted;

  TopicKind(String suffix, boolean compacted) {
    this.suffix = suffix;
    this.compacted = compacted;
  }

  /** The name after the prefix. */
  public String suffix() {
    return suffix;
  }

  /** Whether the topic uses {@code cleanup.policy=compact}. */
  public boolean compacted() {
    return compacted;
  }
}
