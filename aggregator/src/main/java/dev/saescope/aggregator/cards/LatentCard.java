package dev.saescope.aggregator.cards;

import java.util.ArrayList;
import java.util.List;

/**
 * What the stream knows of one latent of one SAE in one run (EXPERIMENTS.md E3a): how often it
 * fired, its largest activation, the {@link #TOP} strongest contexts and an activation histogram.
 * Its size is bounded (a latent's card never grows with the stream) and it is a function of the set
 * of (task, position) activations merged in, whatever their order: counts are integers, the top
 * contexts are ordered with ties broken by task and position, and merging the same task twice is
 * prevented upstream (a finished task is remembered).
 *
 * @param latent index in the SAE's dictionary
 * @param fires positions at which it was active
 * @param max largest activation (0 when it never fired)
 * @param top the strongest contexts, strongest first, at most {@link #TOP}
 * @param histogram counts per {@link Histogram} bin
 */
public record LatentCard(
    int latent, long fires, float max, List<LatentContext> top, long[] histogram) {
  /** Contexts kept per latent. */
  public static final int TOP = 20;

  public LatentCard {
    top = List.copyOf(top);
    if (top.size() > TOP || histogram.length != Histogram.BINS || fires < 0) {
      throw new IllegalArgumentException(
          "card of latent "
              + latent
              + ": "
              + top.size()
              + " contexts, "
              + histogram.length
              + " bins");
    }
  }

  /** A latent that has not fired yet. */
  public static LatentCard empty(int latent) {
    return new LatentCard(latent, 0, 0f, List.of(), new long[Histogram.BINS]);
  }

  /** This card with {@code other}'s activations added (both of the same latent). */
  public LatentCard merge(LatentCard other) {
    if (other.latent != latent) {
      throw new IllegalArgumentException("merging latent " + other.latent + " into " + latent);
    }
    List<LatentContext> all = new ArrayList<>(top);
    all.addAll(other.top);
    all.sort(LatentContext.STRONGEST_FIRST);
    long[] h = histogram.clone();
    for (int i = 0; i < h.length; i++) {
      h[i] += other.histogram[i];
    }
    return new LatentCard(
        latent,
        fires + other.fires,
        Math.max(max, other.max),
        all.subList(0, Math.min(TOP, all.size())),
        h);
  }
}
