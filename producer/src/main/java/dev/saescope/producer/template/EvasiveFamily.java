package dev.saescope.producer.template;

import java.util.Arrays;

/**
 * The six kinds of evasive answer of EXPERIMENTS.md §1. The wire name is the {@code family} field
 * of a task and the key in {@code templates.json}.
 */
public enum EvasiveFamily {
  /** "I don't know." */
  CLAIMS_IGNORANCE("claims_ignorance"),
  /** "I'd rather not answer that." */
  DECLINES("declines"),
  /** "Why do you ask?" */
  DEFLECTS("deflects"),
  /** "It depends on how you look at it." */
  VAGUE_GENERAL("vague_general"),
  /** "Which one do you mean?" */
  ASKS_CLARIFICATION("asks_clarification"),
  /** "I have a vague idea, but I could easily be wrong." */
  HEDGED_PARTIAL("hedged_partial");

  private final String wireName;

  EvasiveFamily(String wireName) {
    this.wireName = wireName;
  }

  public String wireName() {
    return wireName;
  }

  public static EvasiveFamily fromWireName(String name) {
    for (EvasiveFamily f : values()) {
      if (f.wireName.equals(name)) {
        return f;
      }
    }
    throw new IllegalArgumentException(
        "unknown evasive family \""
            + name
            + "\"; expected one of "
            + Arrays.stream(values()).map(EvasiveFamily::wireName).toList());
  }
}
