package dev.saescope.schemas;

import java.util.Locale;

/**
 * How a task's text relates to its item (EXPERIMENTS.md §1). The wire name is what the Avro enum,
 * the {@code --variants} option and the dry-run JSON use; the Avro mapping lives in {@code
 * serde.VariantCodec}.
 */
public enum Variant {
  /** Question + the gold object, or a ParaRel pattern filled with subject and object. */
  DIRECT("direct"),
  /** Question + an evasive answer from one of the evasive families. */
  EVASIVE("evasive"),
  /** Question + a confidently wrong object from the same relation. */
  COUNTERFACTUAL("counterfactual"),
  /** A ParaRel pattern cut before its object: no answer, next-token forecasting. */
  CLOZE("cloze");

  private final String wireName;

  Variant(String wireName) {
    this.wireName = wireName;
  }

  /** The lower-case name used on the wire and on the command line. */
  public String wireName() {
    return wireName;
  }

  /**
   * Parses a wire name, case-insensitively.
   *
   * @throws IllegalArgumentException naming the value and the accepted names
   */
  public static Variant fromWireName(String name) {
    if (name != null) {
      String lower = name.trim().toLowerCase(Locale.ROOT);
      for (Variant v : values()) {
        if (v.wireName.equals(lower)) {
          return v;
        }
      }
    }
    throw new IllegalArgumentException(
        "unknown variant '" + name + "'; expected one of direct, evasive, counterfactual, cloze");
  }

  @Override
  public String toString() {
    return wireName;
  }
}
