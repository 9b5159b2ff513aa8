/**
 * What a worker computes for a batch of tasks: the model forward pass with capture, the logit lens
 * at {@code q_end} and along direct answers ({@code TaskLens}) and the SAE encodings ({@code
 * SaeEncoder}), turned into per-layer {@link dev.saescope.schemas.LayerResult}s ({@code
 * ResultBuilder}), and the SAEs' latent metadata as {@link dev.saescope.schemas.LatentInfo} chunks.
 * It knows the model, not Kafka.
 */
package dev.saescope.worker.compute;
