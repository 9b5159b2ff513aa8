package dev.saescope.runtime.weights;

import dev.saescope.runtime.config.ModelConfig;
import java.nio.file.Path;
import java.util.Set;

/**
 * A model's configuration and fp32 tensors, whatever the file format. Tensors use Hugging Face
 * names ({@code model.embed_tokens.weight}, {@code model.layers.N.self_attn.q_proj.weight}, ...,
 * {@code model.norm.weight}) and shapes ({@code [out, in]} for Linear weights).
 *
 * <p>Every RMSNorm weight is returned as the <em>effective scale</em> {@code 1 + w}: Hugging Face
 * checkpoints store {@code w} (the loader adds 1), llama.cpp's GGUF conversion already added it
 * (GEMMA-NOTES.md §4). The forward pass multiplies by the returned tensor as it is.
 */
public interface ModelWeights extends AutoCloseable {
  ModelConfig config();

  /** The file or folder the weights came from, for messages. */
  Path origin();

  /** Hugging Face names of every tensor this source holds. */
  Set<String> names();

  /**
   * Loads one tensor as fp32, dequantizing if needed.
   *
   * @throws WeightsException naming the file and tensor if it is missing, truncated or malformed
   */
  HostTensor tensor(String name) throws WeightsException;

  /** Path of the tokenizer.json that belongs to these weights. */
  Path tokenizerJson() throws WeightsException;

  @Override
  void close();
}
