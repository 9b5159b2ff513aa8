/**
 * The SAE runtime: one Sae type (JumpReLU, TopK, ReLU) encoding activations into sparse latents on
 * the DJL engine, with its metadata and per-latent logit effects (W_dec · W_U). It does not run the
 * language model: callers hand it activations captured at a HookPoint. Files are sae.io and
 * sae.npy; training and quality metrics are the lab module's.
 */
package dev.saescope.runtime.sae;
