package dev.saescope.producer.variant;

import java.util.Arrays;

/** The forms a direct variant can take (EXPERIMENTS.md §1, "and/or"). */
public enum DirectForm {
  /** Question + the gold object's short form: {@code Question: ...\nAnswer: Baku}. */
  QA("qa"),
  /**
   * A ParaRel pattern filled with subject and object, standing alone (empty question), whose answer
   * is the object inside the sentence; only patterns with the subject first.
   */
  PATTERN("pattern");

  private final String cliName;

  DirectForm(String cliName) {
    this.cliName = cliName;
  }

  public String cliName() {
    return cliName;
  }

  public static DirectForm fromCliName(String name) {
    for (DirectForm f : values()) {
      if (f.cliName.equals(name.strip())) {
        return f;
      }
    }
    throw new IllegalArgumentException(
        "unknown direct form \""
            + name
            + "\"; expected one of "
            + Arrays.stream(values()).map(DirectForm::cliName).toList());
  }
}
