/**
 * SAE files: Gemma Scope {@code params.npz}, Gemma Scope 2 folders ({@code params.safetensors} +
 * {@code config.json}) and SAELens folders ({@code cfg.json} + {@code sae_weights.safetensors}),
 * read into {@link dev.saescope.runtime.sae.SaeParams} and written back in the SAELens layout. It
 * does not resolve hub specs or run SAEs.
 */
package dev.saescope.runtime.sae.io;
