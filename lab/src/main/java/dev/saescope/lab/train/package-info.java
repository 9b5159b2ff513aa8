/**
 * Training TopK SAEs (Gao et al. 2024, arXiv 2406.04093) with DJL autograd over any {@link
 * dev.saescope.lab.train.ActivationSource}: unit-norm decoder rows, b_dec initialised to the
 * geometric median, AuxK loss against dead latents, Adam, checkpoints and resume. It does not know
 * where activations come from (the model runtime or a file).
 */
package dev.saescope.lab.train;
