package dev.saescope.runtime.model;

/**
 * The full-vocabulary logit lens of some residual rows, reduced on the engine to what the
 * experiments read (EXPERIMENTS.md E1c, E2b), so only a few numbers per row cross to Java.
 *
 * @param targetLogprobs {@code [rows][targets]} log-probability of each target id
 * @param targetRanks {@code [rows][targets]} number of tokens with a strictly higher probability (0
 *     = top-1)
 * @param top1 {@code [rows]} the most probable token
 * @param klBits {@code [rows]} KL(p_ref || p_row) in bits, p_ref being the reference row's
 *     distribution
 */
public record LensStats(
    float[][] targetLogprobs, long[][] targetRanks, long[] top1, float[] klBits) {}
