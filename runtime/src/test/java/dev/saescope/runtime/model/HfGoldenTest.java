package dev.saescope.runtime.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.saescope.runtime.config.ModelConfig;
import dev.saescope.runtime.weights.HfFolderWeights;
import dev.saescope.runtime.weights.HostTensor;
import dev.saescope.runtime.weights.Safetensors;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The forward pass against Hugging Face transformers 5.24 (torch 2.15, fp32, eager attention) on
 * tiny random Gemma 2 and Gemma 3 models made by {@code tools/hf_golden.py}: a right-padded batch
 * of three sequences longer than the sliding window, every layer, every site, and the final logits.
 *
 * <p>Tolerance. Both sides compute the same fp32 operations in the same order, except inside
 * matmuls and reductions, whose accumulation order depends on the BLAS kernel, the matrix shapes
 * (we fuse q/k/v and gate/up and multiply grouped queries at once) and the thread count. Each such
 * sum of n terms differs by a few ulp of its largest partial sums (~n · 2^-24 relative in the worst
 * case, far less in practice), and the difference is carried through at most 4 layers of norm →
 * matmul → nonlinearity. Measured (2 threads vs transformers on 1 thread): max abs diff 0
 * (embeddings) to 5.7e-6 on residuals of magnitude ~27, i.e. at most ~1.5e-6 of each tensor's
 * largest value. We allow {@code 2e-5 · max(1, |golden|_max)} per tensor (over 10x margin, ~170 ulp
 * at the largest value); a real bug (window edge, rope pairing or base, scale, norm placement,
 * soft-cap order) moves values by 1e-2 or more, see {@link GoldenSensitivityTest}.
 */
class HfGoldenTest {
  private static final Logger LOG = LoggerFactory.getLogger(HfGoldenTest.class);
  static final double RELATIVE_TOLERANCE = 2e-5;

  static Path goldenDir(String name) throws Exception {
    return Path.of(HfGoldenTest.class.getResource("/golden/hf/" + name).toURI());
  }

  static List<int[]> sequences(Path dir) throws Exception {
    JsonNode root = new ObjectMapper().readTree(dir.resolve("inputs.json").toFile());
    List<int[]> out = new ArrayList<>();
    for (JsonNode s : root.get("sequences")) {
      int[] ids = new int[s.size()];
      for (int i = 0; i < ids.length; i++) {
        ids[i] = s.get(i).asInt();
      }
      out.add(ids);
    }
    return out;
  }

  static GemmaModel load(String name) throws Exception {
    try (HfFolderWeights w = HfFolderWeights.open(goldenDir(name))) {
      return GemmaModel.load(w);
    }
  }

  private static GemmaModel gemma2;
  private static GemmaModel gemma3;

  @BeforeAll
  static void loadModels() throws Exception {
    gemma2 = load("gemma2-tiny");
    gemma3 = load("gemma3-tiny");
  }

  @AfterAll
  static void closeModels() {
    gemma2.close();
    gemma3.close();
  }

  @Test
  void gemma2MatchesTransformers() throws Exception {
    compare("gemma2-tiny", gemma2);
  }

  @Test
  void gemma3MatchesTransformers() throws Exception {
    compare("gemma3-tiny", gemma3);
  }

  private static void compare(String name, GemmaModel model) throws Exception {
    Path dir = goldenDir(name);
    List<int[]> seqs = sequences(dir);
    ModelConfig c = model.config();
    CaptureSpec spec =
        CaptureSpec.of(IntStream.range(0, c.nLayers()).boxed().toList(), Site.values())
            .withLogits(Positions.all());
    ForwardResult result = model.forward(seqs, spec);
    try (Safetensors golden = Safetensors.open(dir.resolve("golden.safetensors"))) {
      for (int l = 0; l < c.nLayers(); l++) {
        for (Site site : Site.values()) {
          HostTensor g = golden.read("layers." + l + "." + site.key()); // [batch, seq, width]
          List<Rows> ours = new ArrayList<>();
          for (int b = 0; b < seqs.size(); b++) {
            ours.add(result.capture(l, site, b));
          }
          check(name + " layers." + l + "." + site.key(), g, ours);
        }
      }
      HostTensor g = golden.read("logits");
      List<Rows> ours = new ArrayList<>();
      for (int b = 0; b < seqs.size(); b++) {
        ours.add(result.logits(b));
      }
      check(name + " logits", g, ours);
    }
  }

  /** Compares the real (non-padding) positions of a golden [batch, seq, width] tensor. */
  static void check(String what, HostTensor golden, List<Rows> ours) {
    check(what, golden, ours, RELATIVE_TOLERANCE, false);
  }

  /**
   * As {@link #check(String, HostTensor, List)} with a given tolerance. {@code byRow}: the golden
   * holds the same chosen positions as our rows, row by row ([batch, P, width]), instead of every
   * position ([batch, seq, width]).
   */
  static void check(
      String what, HostTensor golden, List<Rows> ours, double relativeTolerance, boolean byRow) {
    long[] shape = golden.shape();
    int seq = (int) shape[1];
    int width = (int) shape[2];
    FloatBuffer g = golden.data();
    double maxAbs = 0;
    double maxRel = 0;
    double scale = 0;
    assertEquals(shape[0], ours.size(), what + ": sequences");
    for (int b = 0; b < ours.size(); b++) {
      Rows r = ours.get(b);
      assertEquals(width, r.width(), what + " width");
      if (byRow) {
        assertEquals(seq, r.count(), what + ": rows of sequence " + b);
      }
      for (int i = 0; i < r.count(); i++) {
        int p = byRow ? i : r.positions()[i];
        for (int j = 0; j < width; j++) {
          double want = g.get((b * seq + p) * width + j);
          double got = r.get(i, j);
          double diff = Math.abs(want - got);
          maxAbs = Math.max(maxAbs, diff);
          maxRel = Math.max(maxRel, diff / Math.max(Math.abs(want), 1e-3));
          scale = Math.max(scale, Math.abs(want));
        }
      }
    }
    double tol = relativeTolerance * Math.max(1, scale);
    LOG.info(
        String.format(
            "%-28s max|golden| %8.4f  max abs diff %.2e (%.2e of max|golden|)  max rel diff %.2e  tol %.1e",
            what, scale, maxAbs, maxAbs / scale, maxRel, tol));
    assertTrue(maxAbs <= tol, what + ": max abs diff " + maxAbs + " > " + tol);
  }
}
