package dev.saescope.schemas;

import java.util.List;
import java.util.regex.Pattern;

/**
 * saescope's topic names: a configurable prefix plus one fixed suffix per {@link TopicKind}, so
 * several runs or users can share one cluster.
 *
 * @param prefix prepended to every name, e.g. {@code "saescope."}; may be empty
 */
public record Topics(String prefix) {
  /** The prefix used when none is configured. */
  public static final String DEFAULT_PREFIX = "saescope.";

  /** Kafka's legal topic characters and length (kafka.common.Topic / Topic.java: 249). */
  private static final Pattern LEGAL = Pattern.compile("[a-zA-Z0-9._-]*");

  private static final int MAX_TOPIC_LENGTH = 249;

  public Topics {
    if (prefix == null) {
      throw new IllegalArgumentException("topic prefix is null");
    }
    if (!LEGAL.matcher(prefix).matches()) {
      throw new IllegalArgumentException(
          "topic prefix '"
              + prefix
              + "' has characters Kafka does not allow (use a-z A-Z 0-9 . _ -)");
    }
    int longest = 0;
    for (TopicKind k : TopicKind.values()) {
      longest = Math.max(longest, k.suffix().length());
    }
    if (prefix.length() + longest > MAX_TOPIC_LENGTH) {
      throw new IllegalArgumentException(
          "topic prefix '" + prefix + "' is too long: topic names are limited to 249 characters");
    }
  }

  /** Topics under {@link #DEFAULT_PREFIX}. */
  public static Topics defaults() {
    return new Topics(DEFAULT_PREFIX);
  }

  /** The full name of one kind of topic. */
  public String name(TopicKind kind) {
    return prefix + kind.suffix();
  }

  /** Prompt tasks, keyed by item id. */
  public String tasks() {
    return name(TopicKind.TASKS);
  }

  /** Task results, keyed by item id. */
  public String results() {
    return name(TopicKind.RESULTS);
  }

  /** Per-SAE latent metadata; compacted. */
  public String latentInfo() {
    return name(TopicKind.LATENT_INFO);
  }

  /** Run announcements, keyed by run id; compacted. */
  public String runs() {
    return name(TopicKind.RUNS);
  }

  /** Messages no role could process. */
  public String deadLetter() {
    return name(TopicKind.DEAD_LETTER);
  }

  /** Every topic name, in {@link TopicKind} order. */
  public List<String> all() {
    return java.util.Arrays.stream(TopicKind.values()).map(this::name).toList();
  }

  /** Which kind a full topic name is under this prefix, or {@code null} when it is none of ours. */
  public TopicKind kindOf(String topic) {
    for (TopicKind k : TopicKind.values()) {
      if (name(k).equals(topic)) {
        return k;
      }
    }
    return null;
  }
}
