package dev.saescope.producer.variant;

import java.util.Arrays;

/**
 * Whether the evasive answers of an item mention its subject. Mentioning the subject repeats
 * question tokens in the answer, which pulls the answer's representation towards the question's;
 * E2a can only separate that effect from evasiveness if both kinds exist.
 */
public enum EvasiveMention {
  /** Per item and family, a seeded coin picks one: half the answers mention the subject. */
  RANDOM("random"),
  /** Per item and family, one answer of each kind (twice the evasive tasks). */
  BOTH("both"),
  /** Only templates that mention the subject. */
  WITH("with"),
  /** Only templates that do not. */
  WITHOUT("without");

  private final String cliName;

  EvasiveMention(String cliName) {
    this.cliName = cliName;
  }

  public String cliName() {
    return cliName;
  }

  public static EvasiveMention fromCliName(String name) {
    for (EvasiveMention m : values()) {
      if (m.cliName.equals(name)) {
        return m;
      }
    }
    throw new IllegalArgumentException(
        "unknown evasive mention \""
            + name
            + "\"; expected one of "
            + Arrays.stream(values()).map(EvasiveMention::cliName).toList());
  }
}
