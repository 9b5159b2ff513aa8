package dev.saescope.runtime.config;

import dev.saescope.runtime.config.ModelConfig.AttentionKind;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The configurations of the models this project is about, exactly as their config.json files state
 * them (GEMMA-NOTES.md §1 for google/gemma-2-2b, §2 for google/gemma-3-270m).
 */
public enum GemmaPresets {
  GEMMA_2_2B("gemma-2-2b"),
  GEMMA_3_270M("gemma-3-270m");

  private final String id;

  GemmaPresets(String id) {
    this.id = id;
  }

  /** The name used on the command line, e.g. {@code gemma-2-2b}. */
  public String id() {
    return id;
  }

  /** Finds a preset by its command-line name. */
  public static GemmaPresets byId(String id) {
    for (GemmaPresets p : values()) {
      if (p.id.equals(id.toLowerCase(Locale.ROOT))) {
        return p;
      }
    }
    throw new IllegalArgumentException(
        "unknown model '" + id + "'; known: gemma-2-2b, gemma-3-270m");
  }

  /** The full configuration. */
  public ModelConfig config() {
    return switch (this) {
      case GEMMA_2_2B ->
          new ModelConfig(
              "gemma2",
              256000,
              2304,
              9216,
              26,
              8,
              4,
              256,
              1e-6,
              256,
              50.0,
              30.0,
              4096,
              kinds(26, 2),
              10000.0,
              10000.0,
              false,
              8192,
              2,
              1,
              0);
      case GEMMA_3_270M ->
          new ModelConfig(
              "gemma3_text",
              262144,
              640,
              2048,
              18,
              4,
              1,
              256,
              1e-6,
              256,
              0.0,
              0.0,
              512,
              kinds(18, 6),
              1_000_000.0,
              10000.0,
              true,
              32768,
              2,
              1,
              0);
    };
  }

  /** The configuration cut to its first {@code layers} layers (same per-layer kinds). */
  public ModelConfig config(int layers) {
    ModelConfig c = config();
    if (layers <= 0 || layers > c.nLayers()) {
      throw new IllegalArgumentException(
          "--layers must be in 1.." + c.nLayers() + " for " + id + ", got " + layers);
    }
    return new ModelConfig(
        c.architecture(),
        c.vocabSize(),
        c.dModel(),
        c.dMlp(),
        layers,
        c.nHeads(),
        c.nKvHeads(),
        c.headDim(),
        c.rmsNormEps(),
        c.queryPreAttnScalar(),
        c.attnLogitSoftcap(),
        c.finalLogitSoftcap(),
        c.slidingWindow(),
        c.layerKinds().subList(0, layers),
        c.ropeThetaGlobal(),
        c.ropeThetaLocal(),
        c.qkNorm(),
        c.maxPositions(),
        c.bosId(),
        c.eosId(),
        c.padId());
  }

  /** Layer i slides iff (i + 1) % pattern != 0 (Gemma 2: pattern 2, Gemma 3: pattern 6). */
  static List<AttentionKind> kinds(int n, int pattern) {
    List<AttentionKind> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      out.add((i + 1) % pattern != 0 ? AttentionKind.SLIDING : AttentionKind.FULL);
    }
    return out;
  }
}
