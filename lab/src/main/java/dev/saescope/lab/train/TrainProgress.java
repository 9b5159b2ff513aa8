package dev.saescope.lab.train;

/**
 * One step's figures, for progress bars and logs.
 *
 * @param step steps done (1-based)
 * @param tokens tokens trained on so far
 * @param totalTokens the budget
 * @param loss total loss of the step (normalised MSE + AuxK)
 * @param fvu fraction of variance unexplained on the step's batch, in the space the loss is taken
 *     in (with {@link TrainConfig#stdWeightExponent} > 0 each dimension weighted; {@code sae-eval}
 *     measures in the model's units)
 * @param deadFraction latents that have not fired within the dead window
 * @param l0 mean active latents per position (at most k)
 */
public record TrainProgress(
    long step,
    long tokens,
    long totalTokens,
    double loss,
    double fvu,
    double deadFraction,
    double l0) {}
