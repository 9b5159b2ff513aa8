/**
 * The SAE runtime: one {@link dev.saescope.runtime.sae.Sae} type (JumpReLU, TopK, ReLU) encoding
 * activations into sparse latents on the DJL engine, with its metadata, quality metrics and
 * per-latent logit effects. It does not run the language model: callers hand it activations
 * captured at a {@link dev.saescope.runtime.model.HookPoint}.
 */
package dev.saescope.runtime.sae;
