/**
 * Experiment 3, what latents mean (EXPERIMENTS.md §5): E3b target correspondence, given the SAEs'
 * logit effects through {@link dev.saescope.aggregator.e3.LatentEffects}. E3a latent cards and E3c
 * data maps are streamed elsewhere from the observations' per-position data.
 */
package dev.saescope.aggregator.e3;
