package dev.saescope.runtime.weights;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.saescope.runtime.config.ModelConfig;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.function.LongConsumer;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes a randomly initialised Gemma model in the Hugging Face layout: {@code config.json}, the
 * weights as {@code model.safetensors} or as shards {@code model-0000i-of-0000n.safetensors} with
 * {@code model.safetensors.index.json} (as {@code save_pretrained} does with its default {@code
 * max_shard_size="5GB"}), and optionally a {@code tokenizer.json}.
 *
 * <p>Initialisation follows transformers' {@code _init_weights} for Gemma: linear and embedding
 * weights normal with std {@code initializer_range} (0.02), RMSNorm weights zero (so the effective
 * scale {@code 1 + w} is 1). With the embedding multiplied by sqrt(dModel) the residual starts with
 * entries of about 0.02·48 ≈ 1 (gemma-2-2b), so activations stay in a sane range.
 *
 * <p>Tensors are generated and written in chunks of 4 MiB: a 10 GB model never sits in the heap.
 * Each tensor has its own random stream derived from the seed and its name, so the values do not
 * depend on the sharding.
 */
public final class RandomModelWriter {
  private static final Logger LOG = LoggerFactory.getLogger(RandomModelWriter.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int CHUNK_FLOATS = 1 << 20;

  /** Stored element type. */
  public enum StoredType {
    F32(4, "F32", "float32"),
    BF16(2, "BF16", "bfloat16");

    final int bytes;
    final String safetensorsName;
    final String torchDtype; // config.json's torch_dtype, as save_pretrained records it

    StoredType(int bytes, String safetensorsName, String torchDtype) {
      this.bytes = bytes;
      this.safetensorsName = safetensorsName;
      this.torchDtype = torchDtype;
    }
  }

  /**
   * @param seed seed of every tensor's random stream
   * @param std standard deviation of linear and embedding weights
   * @param maxShardBytes a new shard starts before a tensor that would make it larger
   * @param type the stored dtype
   */
  public record Options(long seed, double std, long maxShardBytes, StoredType type) {
    public Options {
      if (!(std >= 0) || maxShardBytes <= 0) {
        throw new IllegalArgumentException("std must be >= 0 and maxShardBytes > 0");
      }
    }

    /** Seed, std 0.02, 5 GB shards, fp32 (the dtype of google/gemma-2-2b's checkpoint). */
    public static Options defaults(long seed) {
      return new Options(seed, 0.02, 5_000_000_000L, StoredType.F32);
    }
  }

  private RandomModelWriter() {}

  /**
   * Writes the model into {@code out}, which must not exist or be an empty directory. {@code
   * config.json} is written last, so a folder interrupted mid-way does not open as a model.
   *
   * @param tokenizerJson copied to {@code out/tokenizer.json} when not null
   * @param progress called with the bytes written so far
   */
  public static void write(
      ModelConfig config, Path out, Options opts, Path tokenizerJson, LongConsumer progress)
      throws IOException {
    if (Files.exists(out)) {
      try (Stream<Path> s = Files.list(out)) {
        if (s.findAny().isPresent()) {
          throw new IOException(out + ": output directory exists and is not empty");
        }
      }
    }
    Files.createDirectories(out);
    List<List<GemmaTensors.Spec>> shards = plan(GemmaTensors.expected(config), opts);
    Map<String, String> weightMap = new TreeMap<>();
    long total = 0;
    for (int i = 0; i < shards.size(); i++) {
      String name =
          shards.size() == 1
              ? "model.safetensors"
              : String.format("model-%05d-of-%05d.safetensors", i + 1, shards.size());
      long before = total;
      total += writeShard(out.resolve(name), shards.get(i), opts, before, progress);
      for (GemmaTensors.Spec s : shards.get(i)) {
        weightMap.put(s.name(), name);
      }
    }
    if (shards.size() > 1) {
      ObjectNode index = JSON.createObjectNode();
      index.putObject("metadata").put("total_size", total);
      ObjectNode map = index.putObject("weight_map");
      weightMap.forEach(map::put);
      JSON.writerWithDefaultPrettyPrinter()
          .writeValue(out.resolve("model.safetensors.index.json").toFile(), index);
    }
    if (tokenizerJson != null) {
      Files.copy(tokenizerJson, out.resolve("tokenizer.json"), StandardCopyOption.REPLACE_EXISTING);
    }
    ObjectNode json = HfConfigJson.toJson(config);
    json.put("torch_dtype", opts.type().torchDtype); // the dtype the weights were written in
    JSON.writerWithDefaultPrettyPrinter().writeValue(out.resolve("config.json").toFile(), json);
    LOG.info(
        "wrote random {} model to {} ({} bytes, {} shard(s))",
        config.architecture(),
        out,
        total,
        shards.size());
  }

  /** Greedy split in checkpoint order. */
  static List<List<GemmaTensors.Spec>> plan(List<GemmaTensors.Spec> specs, Options opts) {
    List<List<GemmaTensors.Spec>> shards = new ArrayList<>();
    List<GemmaTensors.Spec> current = new ArrayList<>();
    long bytes = 0;
    for (GemmaTensors.Spec s : specs) {
      long b = s.size() * opts.type().bytes;
      if (!current.isEmpty() && bytes + b > opts.maxShardBytes()) {
        shards.add(current);
        current = new ArrayList<>();
        bytes = 0;
      }
      current.add(s);
      bytes += b;
    }
    shards.add(current);
    return shards;
  }

  private static long writeShard(
      Path file, List<GemmaTensors.Spec> specs, Options opts, long before, LongConsumer progress)
      throws IOException {
    List<Safetensors.HeaderEntry> entries = new ArrayList<>();
    for (GemmaTensors.Spec s : specs) {
      entries.add(
          new Safetensors.HeaderEntry(
              s.name(), opts.type().safetensorsName, s.shape(), s.size() * opts.type().bytes));
    }
    long written = 0;
    try (FileChannel ch = Safetensors.createWithHeader(file, entries, Map.of("format", "pt"))) {
      ByteBuffer buf =
          ByteBuffer.allocateDirect(CHUNK_FLOATS * opts.type().bytes)
              .order(ByteOrder.LITTLE_ENDIAN);
      for (GemmaTensors.Spec s : specs) {
        SplittableRandom rng =
            new SplittableRandom(opts.seed() * 0x9E3779B97F4A7C15L + s.name().hashCode());
        boolean zero = s.isNorm();
        long remaining = s.size();
        while (remaining > 0) {
          int n = (int) Math.min(CHUNK_FLOATS, remaining);
          buf.clear();
          for (int i = 0; i < n; i++) {
            float v = zero ? 0f : (float) (rng.nextGaussian() * opts.std());
            switch (opts.type()) {
              case F32 -> buf.putFloat(v);
              case BF16 -> buf.putShort(toBf16(v));
            }
          }
          Safetensors.writeFully(ch, buf.flip());
          remaining -= n;
          written += (long) n * opts.type().bytes;
          progress.accept(before + written);
        }
      }
    }
    return written;
  }

  /** Round to nearest even, as torch's float -> bfloat16 conversion does (values are finite). */
  static short toBf16(float v) {
    int bits = Float.floatToRawIntBits(v);
    int rounding = 0x7FFF + ((bits >>> 16) & 1);
    return (short) ((bits + rounding) >>> 16);
  }
}
