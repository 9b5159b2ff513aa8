package dev.saescope.runtime.weights.gguf;

import dev.saescope.runtime.config.ModelConfig;
import dev.saescope.runtime.weights.HostTensor;
import dev.saescope.runtime.weights.ModelWeights;
import dev.saescope.runtime.weights.WeightsException;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A llama.cpp GGUF file as {@link ModelWeights}: Hugging Face names and shapes, dequantized to fp32
 * on {@link #tensor}. Norm weights are returned as stored, since the converter already stored
 * {@code 1 + w} (GEMMA-NOTES.md §4).
 *
 * <p>{@link #open} validates everything the forward pass will ask for (architecture, every expected
 * tensor present with the expected shape and a decodable type) so a bad file fails at load time,
 * not mid-run.
 */
public final class GgufWeights implements ModelWeights {
  private static final Logger LOG = LoggerFactory.getLogger(GgufWeights.class);

  private final GgufFile gguf;
  private final ModelConfig config;
  private final Path tokenizer; // explicit --tokenizer, or null: tokenizer.json beside the file
  private final Map<String, GgufTensorInfo> byHfName;

  private GgufWeights(
      GgufFile gguf, ModelConfig config, Path tokenizer, Map<String, GgufTensorInfo> byHfName) {
    this.gguf = gguf;
    this.config = config;
    this.tokenizer = tokenizer;
    this.byHfName = byHfName;
  }

  /**
   * Opens a Gemma 2 / Gemma 3 GGUF file.
   *
   * @param file the .gguf file
   * @param tokenizer an explicit tokenizer.json, or null to use {@code tokenizer.json} next to it
   * @throws WeightsException naming the file and tensor for anything the forward pass could not use
   */
  public static GgufWeights open(Path file, Path tokenizer) throws WeightsException {
    GgufFile gguf = GgufFile.open(file);
    try {
      ModelConfig config = GgufGemma.config(gguf);
      GgufGemma.Arch arch = GgufGemma.arch(gguf);
      Map<String, GgufTensorInfo> byHf = new LinkedHashMap<>();
      for (GgufTensorInfo t : gguf.tensors().values()) {
        var hf = GgufGemma.hfName(t.name());
        if (hf.isPresent()) {
          byHf.put(hf.get(), t);
        } else {
          LOG.debug("{}: ignoring tensor {} (not used by the forward pass)", file, t.name());
        }
      }
      for (Map.Entry<String, long[]> e : GgufGemma.expectedShapes(config).entrySet()) {
        GgufTensorInfo t = byHf.get(e.getKey());
        if (t == null) {
          throw new WeightsException(
              file, e.getKey(), "missing (expected GGUF tensor " + ggufNameOf(e.getKey()) + ")");
        }
        check(file, e.getKey(), t, e.getValue(), GgufGemma.sizedBy(arch, config, e.getKey()));
      }
      GgufTensorInfo lmHead = byHf.get("lm_head.weight");
      if (lmHead != null) {
        long[] shape = {config.vocabSize(), config.dModel()};
        check(file, "lm_head.weight", lmHead, shape, GgufGemma.sizedBy(arch, config, "lm_head"));
      }
      warnIfVocabDiffers(gguf, config);
      LOG.info(
          "{}: {} {} layers, d_model {}, vocab {}, {} tensors",
          file,
          config.architecture(),
          config.nLayers(),
          config.dModel(),
          config.vocabSize(),
          byHf.size());
      return new GgufWeights(gguf, config, tokenizer, Collections.unmodifiableMap(byHf));
    } catch (WeightsException | RuntimeException e) {
      gguf.close();
      throw e;
    }
  }

  /**
   * Gemma 3 conversions truncate token_embd to the tokenizer's size (GEMMA-NOTES.md §4, §6); if the
   * embedded vocabulary still differs, ids at or above the row count cannot be embedded. The
   * tokenizer check at load decides; this only says so early.
   */
  private static void warnIfVocabDiffers(GgufFile gguf, ModelConfig config) {
    gguf.value("tokenizer.ggml.tokens")
        .filter(v -> v.type() == GgufValue.Type.ARRAY)
        .map(GgufValue::length)
        .filter(n -> n != config.vocabSize())
        .ifPresent(
            n ->
                LOG.warn(
                    "{}: tokenizer.ggml.tokens has {} entries but token_embd has {} rows; token ids"
                        + " >= {} cannot be embedded",
                    gguf.file(),
                    n,
                    config.vocabSize(),
                    config.vocabSize()));
  }

  private static void check(
      Path file, String hfName, GgufTensorInfo t, long[] expected, String sizedBy)
      throws WeightsException {
    if (!Arrays.equals(t.shape(), expected)) {
      throw new WeightsException(
          file,
          t.name(),
          "shape "
              + Arrays.toString(t.shape())
              + " (ne "
              + Arrays.toString(t.ne())
              + ") but "
              + hfName
              + " needs "
              + Arrays.toString(expected)
              + " for this model's metadata ("
              + sizedBy
              + ")");
    }
    GgufFile.requireDequantizable(file, t);
  }

  private static String ggufNameOf(String hf) {
    return switch (hf) {
      case "model.embed_tokens.weight" -> "token_embd.weight";
      case "model.norm.weight" -> "output_norm.weight";
      default -> hf.replace("model.layers.", "blk.") + " (see GgufGemma.hfName)";
    };
  }

  @Override
  public ModelConfig config() {
    return config;
  }

  @Override
  public Path origin() {
    return gguf.file();
  }

  /** The underlying file, for metadata and raw access. */
  public GgufFile gguf() {
    return gguf;
  }

  @Override
  public Set<String> names() {
    return byHfName.keySet();
  }

  /** The GGUF tensor behind a Hugging Face name. */
  public GgufTensorInfo info(String hfName) throws WeightsException {
    GgufTensorInfo t = byHfName.get(hfName);
    if (t == null) {
      throw new WeightsException(gguf.file(), hfName, "not in this GGUF file");
    }
    return t;
  }

  @Override
  public HostTensor tensor(String name) throws WeightsException {
    GgufTensorInfo t = info(name);
    float[] data = gguf.dequantize(t);
    return new HostTensor(name, t.shape(), FloatBuffer.wrap(data));
  }

  @Override
  public Path tokenizerJson() throws WeightsException {
    if (tokenizer != null) {
      if (!Files.isRegularFile(tokenizer)) {
        throw new WeightsException(tokenizer, "tokenizer file (--tokenizer) does not exist");
      }
      return tokenizer;
    }
    Path beside = gguf.file().toAbsolutePath().resolveSibling("tokenizer.json");
    if (!Files.isRegularFile(beside)) {
      throw new WeightsException(
          gguf.file(),
          "no tokenizer: "
              + beside
              + " does not exist; put tokenizer.json next to the GGUF file"
              + " or pass --tokenizer FILE");
    }
    return beside;
  }

  @Override
  public void close() {
    gguf.close();
  }

  @Override
  public String toString() {
    return "GgufWeights[" + gguf.file() + ", " + config.architecture() + "]";
  }
}
