package dev.saescope.aggregator.observe;

import java.util.Arrays;

/**
 * The vectors of one task at one layer and site that analyses comparing across items need
 * (EXPERIMENTS.md E1b context sensitivity, the E2a "answer from a different item" control), kept
 * for the items {@link ObservationOptions#keepVectors} selects. Empty rows where the layer has no
 * such data (no dense rows away from {@code resid_post}, no latents without an SAE, no answer in a
 * cloze task, no {@code ans[0]} rows except in direct tasks).
 *
 * <p>The record owns its arrays: callers hand them over and must not change them afterwards.
 *
 * @param qEndH {@code h_l(q_end)} // [dModel]
 * @param answerH {@code mean_{p in ans} h_l(p)} // [dModel]
 * @param ans0H {@code h_l(ans[0])}, direct tasks only // [dModel]
 * @param qEndZ {@code z_l(q_end)} // [l0]
 * @param answerZ {@code mean_{p in ans} z_l(p)} // [union of l0 over ans]
 * @param ans0Active the active latent ids at {@code ans[0]}, ascending; direct tasks only // [l0]
 */
public record KeptVectors(
    HalfRow qEndH,
    HalfRow answerH,
    HalfRow ans0H,
    SparseRow qEndZ,
    SparseRow answerZ,
    int[] ans0Active) {
  /** Nothing kept. */
  public static final KeptVectors NONE =
      new KeptVectors(
          HalfRow.EMPTY,
          HalfRow.EMPTY,
          HalfRow.EMPTY,
          SparseRow.EMPTY,
          SparseRow.EMPTY,
          new int[0]);

  public KeptVectors {
    if (qEndH == null
        || answerH == null
        || ans0H == null
        || qEndZ == null
        || answerZ == null
        || ans0Active == null) {
      throw new IllegalArgumentException("kept vectors: a row is null (use the EMPTY rows)");
    }
  }

  /** Whether nothing is kept. */
  public boolean isNone() {
    return equals(NONE);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof KeptVectors k
        && qEndH.equals(k.qEndH)
        && answerH.equals(k.answerH)
        && ans0H.equals(k.ans0H)
        && qEndZ.equals(k.qEndZ)
        && answerZ.equals(k.answerZ)
        && Arrays.equals(ans0Active, k.ans0Active);
  }

  @Override
  public int hashCode() {
    return 31 * qEndH.hashCode() + answerZ.hashCode();
  }

  @Override
  public String toString() {
    return "KeptVectors[h " + qEndH.dim() + ", z " + qEndZ.indices().length + "]";
  }
}
