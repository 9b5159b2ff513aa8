package dev.saescope.runtime.weights;

import dev.saescope.runtime.config.ModelConfig;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Hugging Face model folder: {@code config.json}, then {@code model.safetensors} or the shards
 * listed in {@code model.safetensors.index.json}, and {@code tokenizer.json}.
 *
 * <p>{@link #open} checks everything that can be checked from headers: the configuration, that
 * every expected tensor (see {@link GemmaTensors}) is present with the expected shape and a
 * supported dtype, that no file is truncated and that no tensor belongs to a layer beyond the
 * configured depth. Values (NaN, infinities) are checked by {@link #tensor}, which the model calls
 * for every tensor while it loads, so a bad value also fails at load time, not mid-run.
 *
 * <p>RMSNorm weights are returned as {@code 1 + w} (Gemma2RMSNorm / Gemma3RMSNorm multiply by
 * {@code 1.0 + weight.float()}), per the {@link ModelWeights} contract.
 */
public final class HfFolderWeights implements ModelWeights {
  private static final Logger LOG = LoggerFactory.getLogger(HfFolderWeights.class);
  private static final Pattern LAYER = Pattern.compile("layers\\.(\\d+)\\.");

  /**
   * Name prefixes under which checkpoints store the text model: {@code Gemma*ForCausalLM} saves
   * {@code model.*}; a bare {@code Gemma*TextModel} saves without a prefix.
   */
  private static final List<String> STORED_PREFIXES = List.of("model.", "");

  private record Location(Safetensors file, String storedName) {}

  private final Path folder;
  private final ModelConfig config;
  private final List<Safetensors> files;
  private final Map<String, Location> locations; // canonical HF name -> where it is stored
  private final Map<String, GemmaTensors.Spec> specs;
  private final Path tokenizer; // explicit --tokenizer, or null for the folder's tokenizer.json

  private HfFolderWeights(
      Path folder,
      ModelConfig config,
      List<Safetensors> files,
      Map<String, Location> locations,
      Map<String, GemmaTensors.Spec> specs,
      Path tokenizer) {
    this.tokenizer = tokenizer;
    this.folder = folder;
    this.config = config;
    this.files = files;
    this.locations = locations;
    this.specs = specs;
  }

  /** Whether {@code dir} looks like a Hugging Face model folder (has a config.json). */
  public static boolean isModelFolder(Path dir) {
    return Files.isDirectory(dir) && Files.isRegularFile(dir.resolve("config.json"));
  }

  /** Opens and validates a folder; its tokenizer is {@code tokenizer.json} inside it. */
  public static HfFolderWeights open(Path folder) throws WeightsException {
    return open(folder, null);
  }

  /**
   * Opens and validates a folder.
   *
   * @param tokenizer an explicit tokenizer.json, or null to use the folder's
   */
  public static HfFolderWeights open(Path folder, Path tokenizer) throws WeightsException {
    if (!Files.isDirectory(folder)) {
      throw new WeightsException(folder, "not a directory");
    }
    Path configFile = folder.resolve("config.json");
    if (!Files.isRegularFile(configFile)) {
      throw new WeightsException(folder, "no config.json in this model folder");
    }
    List<Safetensors> files = new ArrayList<>();
    try {
      Map<String, Safetensors> byStoredName = ShardIndex.open(folder, files);
      // the headers first: config.json is checked against them before anything is sized by it
      ModelConfig config = HfConfigJson.read(configFile, layersPresent(byStoredName));
      Map<String, GemmaTensors.Spec> specs = new LinkedHashMap<>();
      for (GemmaTensors.Spec s : GemmaTensors.expected(config)) {
        specs.put(s.name(), s);
      }
      Map<String, Location> locations = locate(folder, configFile, config, byStoredName, specs);
      LOG.info(
          "opened {} ({}, {} layers, {} safetensors file(s))",
          folder,
          config.architecture(),
          config.nLayers(),
          files.size());
      return new HfFolderWeights(
          folder,
          config,
          List.copyOf(files),
          Collections.unmodifiableMap(locations),
          specs,
          tokenizer);
    } catch (WeightsException | RuntimeException e) {
      files.forEach(Safetensors::close);
      throw e;
    }
  }

  /** Highest layer index of any stored tensor plus one: the depth the files describe. */
  private static int layersPresent(Map<String, Safetensors> byStoredName) throws WeightsException {
    long present = 0;
    for (Map.Entry<String, Safetensors> e : byStoredName.entrySet()) {
      Matcher m = LAYER.matcher(e.getKey());
      if (m.find()) {
        if (m.group(1).length() > 9) {
          throw new WeightsException(e.getValue().file(), e.getKey(), "implausible layer index");
        }
        present = Math.max(present, Long.parseLong(m.group(1)) + 1);
      }
    }
    return (int) present;
  }

  /** Finds every expected tensor and checks its shape. */
  private static Map<String, Location> locate(
      Path folder,
      Path configFile,
      ModelConfig config,
      Map<String, Safetensors> byStoredName,
      Map<String, GemmaTensors.Spec> specs)
      throws WeightsException {
    String prefix = null;
    for (String p : STORED_PREFIXES) {
      if (byStoredName.containsKey(p + "embed_tokens.weight")) {
        prefix = p;
        break;
      }
    }
    if (prefix == null) {
      throw new WeightsException(
          folder, "model.embed_tokens.weight", "missing from the safetensors file(s)");
    }
    Map<String, Location> out = new LinkedHashMap<>();
    for (GemmaTensors.Spec spec : specs.values()) {
      String stored = prefix + spec.name().substring("model.".length());
      Safetensors file = byStoredName.get(stored);
      if (file == null) {
        throw new WeightsException(folder, stored, "missing from the safetensors file(s)");
      }
      Safetensors.Entry entry = file.entries().get(stored);
      if (!Arrays.equals(entry.shape(), spec.shape())) {
        throw new WeightsException(
            file.file(),
            stored,
            "shape "
                + Arrays.toString(entry.shape())
                + ", expected "
                + Arrays.toString(spec.shape())
                + " from "
                + configFile
                + " ("
                + GemmaTensors.sizedBy(config, spec.name())
                + ")");
      }
      out.put(spec.name(), new Location(file, stored));
    }
    return out;
  }

  @Override
  public ModelConfig config() {
    return config;
  }

  @Override
  public Path origin() {
    return folder;
  }

  @Override
  public Set<String> names() {
    return Collections.unmodifiableSet(new LinkedHashSet<>(locations.keySet()));
  }

  /** The shape {@code name} has, checked at open. */
  public long[] shape(String name) throws WeightsException {
    GemmaTensors.Spec spec = specs.get(name);
    if (spec == null) {
      throw new WeightsException(folder, name, "not a tensor of this model");
    }
    return spec.shape();
  }

  @Override
  public HostTensor tensor(String name) throws WeightsException {
    Location loc = locations.get(name);
    if (loc == null) {
      throw new WeightsException(folder, name, "not a tensor of this model");
    }
    HostTensor raw = loc.file().read(loc.storedName());
    if (!GemmaTensors.isNorm(name)) {
      return raw.name().equals(name) ? raw : new HostTensor(name, raw.shape(), raw.data());
    }
    FloatBuffer data = raw.data();
    for (int i = data.position(); i < data.limit(); i++) {
      data.put(i, 1.0f + data.get(i)); // fp32 (1 + w), as Gemma2RMSNorm computes it
    }
    return new HostTensor(name, raw.shape(), data);
  }

  @Override
  public Path tokenizerJson() throws WeightsException {
    if (tokenizer != null) {
      if (!Files.isRegularFile(tokenizer)) {
        throw new WeightsException(tokenizer, "tokenizer file (--tokenizer) does not exist");
      }
      return tokenizer;
    }
    Path t = folder.resolve("tokenizer.json");
    if (!Files.isRegularFile(t)) {
      throw new WeightsException(
          folder, "no tokenizer.json in this model folder; pass one with --tokenizer FILE");
    }
    return t;
  }

  @Override
  public void close() {
    files.forEach(Safetensors::close);
  }

  @Override
  public String toString() {
    return "HfFolderWeights[" + folder + "]";
  }
}
