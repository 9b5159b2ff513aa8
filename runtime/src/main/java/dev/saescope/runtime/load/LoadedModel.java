package dev.saescope.runtime.load;

import ai.djl.Device;
import dev.saescope.runtime.device.ComputeDtype;
import dev.saescope.runtime.device.ComputeTarget;
import dev.saescope.runtime.model.GemmaModel;
import dev.saescope.runtime.tokenizer.GemmaTokenizer;
import dev.saescope.runtime.weights.ModelWeights;
import dev.saescope.runtime.weights.WeightsException;
import java.nio.file.Path;

/**
 * A model on the engine with its tokenizer: what every command that runs a model opens, in one
 * place. The weights are read, moved to the engine and closed; the model and the tokenizer are
 * closed together.
 *
 * @param model the forward pass on the engine
 * @param tokenizer the tokenizer.json that belongs to the weights (or the override given)
 */
public record LoadedModel(GemmaModel model, GemmaTokenizer tokenizer) implements AutoCloseable {
  /** Parses {@code spec} ({@link ModelSpec#parse}) and loads model and tokenizer. */
  public static LoadedModel open(String spec, ModelSpec.OpenOptions options)
      throws WeightsException {
    try (ModelWeights weights = ModelSpec.open(spec, options)) {
      return load(weights);
    }
  }

  /**
   * Opens {@code spec} as the model options of a command give it, hub download progress on stderr.
   *
   * @param tokenizer a tokenizer.json overriding the one beside the weights, or null
   */
  public static LoadedModel open(String spec, Path tokenizer, boolean offline)
      throws WeightsException {
    return open(spec, new ModelSpec.OpenOptions(tokenizer, offline, System.err));
  }

  /** As {@link #open(String, Path, boolean)}, on {@code target}'s device and in its precision. */
  public static LoadedModel open(String spec, Path tokenizer, boolean offline, ComputeTarget target)
      throws WeightsException {
    try (ModelWeights weights =
        ModelSpec.open(spec, new ModelSpec.OpenOptions(tokenizer, offline, System.err))) {
      return load(weights, target.device(), target.dtype());
    }
  }

  /** Loads model and tokenizer from weights the caller keeps open (and closes). */
  public static LoadedModel load(ModelWeights weights) throws WeightsException {
    return load(weights, Device.cpu(), ComputeDtype.FP32);
  }

  private static LoadedModel load(ModelWeights weights, Device device, ComputeDtype dtype)
      throws WeightsException {
    GemmaTokenizer tokenizer =
        GemmaTokenizer.load(weights.tokenizerJson(), weights.config(), weights.origin());
    try {
      return new LoadedModel(GemmaModel.load(weights, device, dtype), tokenizer);
    } catch (WeightsException | RuntimeException e) {
      tokenizer.close();
      throw e;
    }
  }

  @Override
  public void close() {
    try (tokenizer) {
      model.close();
    }
  }
}
