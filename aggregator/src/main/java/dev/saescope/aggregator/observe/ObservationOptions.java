package dev.saescope.aggregator.observe;

import dev.saescope.aggregator.stats.SeedHash;

/**
 * What {@link TaskObservations#of} keeps beyond the per-task figures.
 *
 * <p>Whether an item's vectors and maps are kept is a function of its item key alone, {@code u(key)
 * < fraction} with {@code u(key) = SeedHash.uniform(SeedHash.mix(key ^ SALT))}: every task of an
 * item keeps or drops them together, a worker and a replay decide alike, and the kept set of a
 * smaller fraction is inside that of a larger one.
 *
 * <p>Memory of one observation, with {@code T} tokens, {@code A} answer tokens, {@code H} layers
 * with dense rows ({@code resid_post}), {@code Z} layer-sites with an SAE, {@code l0} active
 * latents per token, {@code S} scores per layer:
 *
 * <ul>
 *   <li>always: {@code T (4 + text)} bytes of tokens, about {@code 120 + 24 S} bytes per layer, and
 *       {@code 4 T} bytes of reconstruction errors per SAE layer;
 *   <li>vectors ({@code vectorFraction} of items): per dense layer {@code 2 (2 dModel + 4)} bytes,
 *       plus {@code 2 dModel + 4} at {@code ans[0]} in direct tasks; per SAE layer about {@code 6
 *       (l0 + A l0)} bytes, plus {@code 4 l0} in direct tasks;
 *   <li>maps ({@code mapFraction} of items): per SAE layer {@code 8 T mapLatents} bytes.
 * </ul>
 *
 * <p>So gemma-2-2b with 26 layers of width 2304, an SAE per layer at {@code l0} about 80, {@code T
 * = 30}, {@code A = 5}: always about 8 KB per task; vectors 26 x (13.8 + 3.2) KB = 440 KB per
 * direct task (26 x (9.2 + 2.9) KB = 315 KB otherwise); maps 26 x 1.9 KB = 50 KB. At 25k items with
 * 4 tasks each that is 0.8 GB always, 35 GB of vectors at fraction 1 and 5 GB of maps: at that
 * scale keep vectors for 2-5% of the items and maps for a few hundred.
 *
 * @param vectorFraction share of items whose {@link KeptVectors} are kept, in [0, 1]
 * @param mapFraction share of items whose E3c top-latent maps are kept, in [0, 1]
 * @param mapLatents top latents kept per position in a map (E3c), >= 0
 * @param finalLayer the model's final layer {@code L} (E1a, E1c, E2b's "model's own"); -1 = the
 *     deepest {@code resid_post} layer among a task's results
 */
public record ObservationOptions(
    double vectorFraction, double mapFraction, int mapLatents, int finalLayer) {
  /** Keep everything, top 8 latents per position, final layer = the deepest reported. */
  public static final ObservationOptions DEFAULT = new ObservationOptions(1.0, 1.0, 8, -1);

  /** Separates this choice from other uses of the item key's hash. */
  private static final long SALT = 0x6b65657076656373L; // "keepvecs"

  public ObservationOptions {
    if (!(vectorFraction >= 0 && vectorFraction <= 1) || !(mapFraction >= 0 && mapFraction <= 1)) {
      throw new IllegalArgumentException(
          "observation options: fractions "
              + vectorFraction
              + ", "
              + mapFraction
              + "; expected values in [0, 1]");
    }
    if (mapLatents < 0 || finalLayer < -1) {
      throw new IllegalArgumentException(
          "observation options: mapLatents " + mapLatents + ", finalLayer " + finalLayer);
    }
  }

  /** Whether the item's vectors are kept. */
  public boolean keepVectors(long itemKey) {
    return vectorFraction >= 1 || unit(itemKey) < vectorFraction;
  }

  /** Whether the item's E3c top-latent maps are kept. */
  public boolean keepMaps(long itemKey) {
    return mapLatents > 0 && (mapFraction >= 1 || unit(itemKey) < mapFraction);
  }

  private static double unit(long itemKey) {
    return SeedHash.uniform(SeedHash.mix(itemKey ^ SALT));
  }
}
