package dev.saescope.producer.run;

import java.util.Arrays;

/** In which order a dataset read whole is turned into tasks (a stream keeps arrival order). */
public enum ItemOrder {
  /** The dataset's own order: relation by relation. */
  DATASET("dataset"),
  /**
   * A seeded shuffle, so that {@code --limit N} takes a sample across relations instead of the
   * first relation's facts; the same seed gives the same order.
   */
  SHUFFLED("shuffled");

  private final String cliName;

  ItemOrder(String cliName) {
    this.cliName = cliName;
  }

  public String cliName() {
    return cliName;
  }

  public static ItemOrder fromCliName(String name) {
    for (ItemOrder o : values()) {
      if (o.cliName.equals(name)) {
        return o;
      }
    }
    throw new IllegalArgumentException(
        "unknown order \""
            + name
            + "\"; expected one of "
            + Arrays.stream(values()).map(ItemOrder::cliName).toList());
  }
}
