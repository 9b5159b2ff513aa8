/**
 * The SAE runtime: one {@link dev.saescope.worker.sae.Sae} type (JumpReLU, TopK, ReLU) loaded from
 * Gemma Scope npz, Gemma Scope 2 and SAELens folders, saved in the SAELens layout, encoding
 * activations into sparse latents on the DJL engine. It does not run the language model; callers
 * hand it activations captured at a {@link dev.saescope.worker.sae.HookSite}.
 */
package dev.saescope.worker.sae;
