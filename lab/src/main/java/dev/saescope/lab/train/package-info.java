/**
 * Training TopK SAEs (Gao et al. 2024, arXiv 2406.04093) with DJL autograd over any {@link
 * dev.saescope.lab.train.ActivationSource}: unit-norm decoder rows (in the training space; an
 * optional per-dimension loss weight is folded back on export), b_dec initialised to the geometric
 * median, AuxK loss against dead latents, Adam, checkpoints and resume; activations streamed from
 * the model runtime ({@link dev.saescope.lab.train.ModelActivationSource}) over text corpora; and
 * the recipes that provision saescope's own SAEs for a known model ({@link
 * dev.saescope.lab.train.SaeProvisioner}). It does not load models: callers hand it one.
 */
package dev.saescope.lab.train;
