package dev.saescope.aggregator.analysis;

import dev.saescope.aggregator.stats.Estimate;

/**
 * A table cell: an estimate, or the reason there is none (the results do not carry what it needs).
 * Exactly one of the two is set.
 *
 * @param estimate the figure; null when absent
 * @param absentReason why there is no figure; null when present
 */
public record Cell(Estimate estimate, String absentReason) {
  public Cell {
    if ((estimate == null) == (absentReason == null)) {
      throw new IllegalArgumentException("cell: exactly one of estimate and reason must be set");
    }
    if (absentReason != null && absentReason.isBlank()) {
      throw new IllegalArgumentException("cell: blank reason");
    }
  }

  public static Cell of(Estimate estimate) {
    return new Cell(estimate, null);
  }

  public static Cell absent(String reason) {
    return new Cell(null, reason);
  }

  public boolean isPresent() {
    return estimate != null;
  }
}
