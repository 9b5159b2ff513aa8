package dev.saescope.aggregator.bench;

/**
 * The size of a synthetic run: what the aggregator's cost and state may grow with.
 *
 * @param items items of the run (each has a direct, an evasive and a counterfactual task)
 * @param layers layers reported per task (one result each, site resid_post)
 * @param saeLayers how many of those layers have an SAE, spread evenly ({@link #hasSae}); the demo
 *     worker runs 3 of Gemma 3 270M's 18
 * @param dModel width of the dense rows
 * @param dSae latents of each SAE
 * @param k active latents per position (TopK)
 * @param positions prompt positions (latents at each, dense rows at q_end and the answer)
 */
public record BenchShape(
    int items, int layers, int saeLayers, int dModel, int dSae, int k, int positions) {
  public BenchShape {
    positive(items, "--items");
    positive(layers, "--layers");
    if (saeLayers < 0 || saeLayers > layers) {
      throw new IllegalArgumentException(
          "--sae-layers must be from 0 to --layers (" + layers + "), got " + saeLayers);
    }
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

  /** Results with an SAE's latents. */
  public long saeResults() {
    return (long) tasks() * saeLayers;
  }

  /**
   * Whether {@code layer} (0-based) has an SAE: {@code saeLayers} of the layers, evenly spaced and
   * ending at the last (3 of 18: layers 5, 11 and 17).
   */
  public boolean hasSae(int layer) {
    return (long) (layer + 1) * saeLayers / layers > (long) layer * saeLayers / layers;
  }

  /** This shape with items, layers (and SAE layers with them) or latents (d_sae and k) scaled. */
  public BenchShape scaled(String dimension, int by) {
    return switch (dimension) {
      case "items" -> new BenchShape(items * by, layers, saeLayers, dModel, dSae, k, positions);
      case "layers" ->
          new BenchShape(items, layers * by, saeLayers * by, dModel, dSae, k, positions);
      case "latents" ->
          new BenchShape(items, layers, saeLayers, dModel, dSae * by, k * by, positions);
      default -> throw new IllegalArgumentException("no dimension " + dimension);
    };
  }

  private static void positive(int v, String option) {
    if (v < 1) {
      throw new IllegalArgumentException(option + " must be at least 1, got " + v);
    }
  }
}
