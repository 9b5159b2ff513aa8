package dev.saescope.aggregator.bench;

/**
 * The size of a synthetic run: what the aggregator's cost and state may grow with.
 *
 * @param items items of the run (each has a direct, an evasive and a counterfactual task)
 * @param layers layers reported per task (one result each, site resid_post)
 * @param dModel width of the dense rows
 * @param dSae latents of each SAE (one SAE at every layer)
 * @param k active latents per position (TopK)
 * @param positions prompt positions (latents at each, dense rows at q_end and the answer)
 */
public record BenchShape(int items, int layers, int dModel, int dSae, int k, int positions) {
  public BenchShape {
    positive(items, "--items");
    positive(layers, "--layers");
    positive(dModel, "--d-model");
    positive(dSae, "--d-sae");
    positive(k, "--k");
    if (k > dSae) {
      throw new IllegalArgumentException("--k (" + k + ") must not exceed --d-sae (" + dSae + ")");
    }
    if (positions < 4) {
      throw new IllegalArgumentException("--positions must be at least 4, got " + positions);
    }
  }

  /** Tasks of the run. */
  public int tasks() {
    return items * SyntheticResults.VARIANTS.length;
  }

  /** Results of the run: one per task and layer. */
  public long results() {
    return (long) tasks() * layers;
  }

  private static void positive(int v, String option) {
    if (v < 1) {
      throw new IllegalArgumentException(option + " must be at least 1, got " + v);
    }
  }
}
