package dev.saescope.runtime.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.saescope.runtime.config.ModelConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Batching, capture selection, early stop, logit lens and bad requests on the tiny HF models. */
public class GemmaModelTest {
  private static GemmaModel gemma2;
  private static GemmaModel gemma3;

  @BeforeAll
  static void load() throws Exception {
    gemma2 = HfGoldenTest.load("gemma2-tiny");
    gemma3 = HfGoldenTest.load("gemma3-tiny");
  }

  @AfterAll
  static void close() {
    gemma2.close();
    gemma3.close();
  }

  public static List<int[]> randomSequences(int n, int minLen, int maxLen, int vocab, long seed) {
    Random r = new Random(seed);
    List<int[]> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      int[] s = new int[minLen + r.nextInt(maxLen - minLen + 1)];
      s[0] = 2;
      for (int p = 1; p < s.length; p++) {
        s[p] = 3 + r.nextInt(vocab - 3);
      }
      out.add(s);
    }
    return out;
  }

  static CaptureSpec everything(ModelConfig c) {
    return CaptureSpec.of(IntStream.range(0, c.nLayers()).boxed().toList(), Site.values())
        .withLogits(Positions.all());
  }

  static double maxDiff(Rows a, Rows b) {
    assertArrayEquals(a.positions(), b.positions());
    double max = 0;
    for (int i = 0; i < a.values().length; i++) {
      max = Math.max(max, Math.abs(a.values()[i] - b.values()[i]));
    }
    return max;
  }

  @Test
  void aSequenceGivesTheSameResultsAloneAndInAPaddedBatch() {
    for (GemmaModel model : List.of(gemma2, gemma3)) {
      ModelConfig c = model.config();
      List<int[]> batch = randomSequences(5, 3, 40, c.vocabSize(), 7);
      batch.set(
          4, randomSequences(1, 60, 60, c.vocabSize(), 8).get(0)); // long mate: lots of padding
      ForwardResult together = model.forward(batch, everything(c));
      double worst = 0;
      for (int b = 0; b < batch.size(); b++) {
        ForwardResult alone = model.forward(List.of(batch.get(b)), everything(c));
        for (HookPoint h : together.captures().keySet()) {
          worst = Math.max(worst, maxDiff(alone.capture(h, 0), together.capture(h, b)));
        }
        worst = Math.max(worst, maxDiff(alone.logits(0), together.logits(b)));
      }
      assertTrue(worst <= 1e-5, c.architecture() + ": batch-dependent results, max diff " + worst);
    }
  }

  @Test
  void aOneTokenSequenceIsThePrefixOfALongerOne() {
    ModelConfig c = gemma2.config();
    int[] longer = randomSequences(1, 9, 9, c.vocabSize(), 17).get(0);
    ForwardResult one = gemma2.forward(List.of(new int[] {longer[0]}), everything(c));
    ForwardResult full = gemma2.forward(List.of(longer), everything(c));
    assertEquals(1, one.logits(0).count());
    assertArrayEquals(full.logits(0).row(0), one.logits(0).row(0), 1e-5f);
    assertArrayEquals(
        full.capture(2, Site.ATTN_Z, 0).row(0), one.capture(2, Site.ATTN_Z, 0).row(0), 1e-5f);
  }

  @Test
  void chosenPositionsAreRowsOfTheFullCapture() {
    ModelConfig c = gemma3.config();
    List<int[]> batch = randomSequences(3, 5, 12, c.vocabSize(), 11);
    ForwardResult all = gemma3.forward(batch, everything(c));
    List<int[]> chosen =
        List.of(new int[] {4, 0}, new int[] {}, new int[] {batch.get(2).length - 1});
    CaptureSpec spec =
        new CaptureSpec(
            Set.of(new HookPoint(1, Site.ATTN_Z)),
            Positions.chosen(chosen),
            Positions.chosen(chosen));
    ForwardResult some = gemma3.forward(batch, spec);
    for (int b = 0; b < 3; b++) {
      Rows z = some.capture(1, Site.ATTN_Z, b);
      Rows logits = some.logits(b);
      assertArrayEquals(chosen.get(b), z.positions());
      assertEquals(c.attnWidth(), z.width());
      for (int i = 0; i < z.count(); i++) {
        int p = chosen.get(b)[i];
        assertArrayEquals(all.capture(1, Site.ATTN_Z, b).row(p), z.row(i), 1e-6f);
        assertArrayEquals(all.logits(b).row(p), logits.row(i), 1e-5f);
      }
    }
  }

  @Test
  void thePassStopsAtTheDeepestHookUnlessLogitsAreAsked() {
    CaptureSpec shallow = CaptureSpec.of(List.of(0, 1), Site.RESID_POST);
    assertEquals(2, shallow.layersToRun(4));
    assertEquals(4, shallow.withLogits(Positions.all()).layersToRun(4));
    assertEquals(0, CaptureSpec.of(List.of()).layersToRun(4));
    ModelConfig c = gemma3.config();
    List<int[]> batch = randomSequences(2, 5, 9, c.vocabSize(), 3);
    ForwardResult early = gemma3.forward(batch, shallow);
    ForwardResult full = gemma3.forward(batch, everything(c));
    assertEquals(
        Set.of(new HookPoint(0, Site.RESID_POST), new HookPoint(1, Site.RESID_POST)),
        early.captures().keySet());
    assertEquals(
        0.0,
        maxDiff(early.capture(1, Site.RESID_POST, 1), full.capture(1, Site.RESID_POST, 1)),
        1e-6);
    assertThrows(IllegalStateException.class, () -> early.logits(0));
  }

  @Test
  void residPreIsThePreviousResidPost() {
    ModelConfig c = gemma2.config();
    ForwardResult r = gemma2.forward(randomSequences(2, 4, 9, c.vocabSize(), 5), everything(c));
    for (int l = 1; l < c.nLayers(); l++) {
      assertEquals(
          0.0, maxDiff(r.capture(l, Site.RESID_PRE, 1), r.capture(l - 1, Site.RESID_POST, 1)));
    }
  }

  @Test
  void theLensOfTheLastResidualIsTheFinalLogits() {
    for (GemmaModel model : List.of(gemma2, gemma3)) {
      ModelConfig c = model.config();
      List<int[]> batch = randomSequences(2, 6, 10, c.vocabSize(), 13);
      ForwardResult r = model.forward(batch, everything(c));
      Rows last = r.capture(c.nLayers() - 1, Site.RESID_POST, 0);
      Rows logits = r.logits(0);
      int[] ids = {0, 5, 17, c.vocabSize() - 1};
      float[][] lens = model.lensLogits(last, ids);
      int[][] perRow = new int[last.count()][];
      for (int i = 0; i < last.count(); i++) {
        perRow[i] = new int[] {ids[(i + 1) % 4], ids[i % 4]};
      }
      float[][] lensPerRow = model.lensLogits(last, perRow);
      List<List<TokenScore>> top = model.lensTopK(last, 5);
      for (int i = 0; i < last.count(); i++) {
        for (int j = 0; j < ids.length; j++) {
          assertEquals(
              logits.get(i, ids[j]), lens[i][j], 1e-5, c.architecture() + " lens row " + i);
        }
        assertEquals(logits.get(i, perRow[i][0]), lensPerRow[i][0], 1e-5);
        assertEquals(logits.get(i, perRow[i][1]), lensPerRow[i][1], 1e-5);
        List<TokenScore> want = GemmaModel.topK(logits.row(i), 5);
        assertEquals(want.get(0).id(), top.get(i).get(0).id());
        for (int j = 0; j < 5; j++) {
          assertEquals(want.get(j).logit(), top.get(i).get(j).logit(), 1e-5);
          assertEquals(want.get(j).logprob(), top.get(i).get(j).logprob(), 1e-4);
        }
      }
    }
  }

  @Test
  void lensStatsNameABadTokenOrReference() {
    ModelConfig c = gemma3.config();
    Rows rows = new Rows(new int[] {0, 1}, c.dModel(), new float[2 * c.dModel()]);
    IllegalArgumentException badId =
        assertThrows(
            IllegalArgumentException.class,
            () -> gemma3.lensStats(rows, new int[][] {{1}, {-1, c.vocabSize()}}, new int[] {1, 1}));
    assertTrue(
        badId.getMessage().contains("row 1: token id " + c.vocabSize() + " outside"),
        badId.getMessage());
    IllegalArgumentException badRef =
        assertThrows(
            IllegalArgumentException.class,
            () -> gemma3.lensStats(rows, new int[][] {{1}, {2}}, new int[] {0, 2}));
    assertTrue(
        badRef.getMessage().contains("lens row 1: reference 2 outside [0, 2)"),
        badRef.getMessage());
  }

  @Test
  void lensStatsEqualTheFullLogSoftmaxWorkedOutInJava() {
    for (GemmaModel model : List.of(gemma2, gemma3)) {
      ModelConfig c = model.config();
      int[] seq = randomSequences(1, 5, 5, c.vocabSize(), 29).get(0);
      ForwardResult r = model.forward(List.of(seq), everything(c));
      int d = c.dModel();
      int perPosition = c.nLayers();
      int n = seq.length * perPosition;
      float[] values = new float[n * d];
      int[] positions = new int[n];
      int[][] targets = new int[n][];
      int[] refs = new int[n];
      Random rnd = new Random(3);
      for (int pos = 0, row = 0; pos < seq.length; pos++) {
        for (int l = 0; l < perPosition; l++, row++) {
          System.arraycopy(r.capture(l, Site.RESID_POST, 0).values(), pos * d, values, row * d, d);
          positions[row] = pos;
          int random = rnd.nextInt(c.vocabSize());
          // rows differ in their number of targets, some absent (-1) or repeated
          targets[row] =
              row % 3 == 0
                  ? new int[] {random, seq[pos], -1, seq[pos]}
                  : new int[] {random, seq[pos]};
          // runs of rows sharing the final layer's row, and a last position referring back to
          // another position's rows (not consecutive)
          refs[row] = pos == seq.length - 1 ? l : pos * perPosition + perPosition - 1;
        }
      }
      Rows rows = new Rows(positions, d, values);
      int[] all = IntStream.range(0, c.vocabSize()).toArray();
      double[][] lp = logSoftmax(model.lensLogits(rows, all));
      for (LensReduction reduction : LensReduction.values()) {
        checkLensStats(
            model.lensStats(rows, targets, refs, reduction),
            lp,
            targets,
            refs,
            c.architecture() + " " + reduction);
      }
    }
  }

  private static void checkLensStats(
      LensStats stats, double[][] lp, int[][] targets, int[] refs, String what) {
    int vocab = lp[0].length;
    for (int i = 0; i < targets.length; i++) {
      String at = what + " row " + i;
      for (int j = 0; j < targets[i].length; j++) {
        if (targets[i][j] < 0) {
          assertEquals(0f, stats.targetLogprobs()[i][j], at + " absent");
          assertEquals(-1, stats.targetRanks()[i][j], at + " absent");
          continue;
        }
        double t = lp[i][targets[i][j]];
        assertEquals(t, stats.targetLogprobs()[i][j], 1e-4, at);
        assertEquals(
            java.util.Arrays.stream(lp[i]).filter(v -> v > t).count(),
            stats.targetRanks()[i][j],
            at);
      }
      int argMax = 0;
      double kl = 0;
      for (int v = 0; v < vocab; v++) {
        argMax = lp[i][v] > lp[i][argMax] ? v : argMax;
        kl += Math.exp(lp[refs[i]][v]) * (lp[refs[i]][v] - lp[i][v]);
      }
      assertEquals(argMax, stats.top1()[i], at);
      assertEquals(kl / Math.log(2), stats.klBits()[i], 1e-4 + 1e-4 * kl, at + " KL");
    }
  }

  private static double[][] logSoftmax(float[][] logits) {
    double[][] out = new double[logits.length][];
    for (int i = 0; i < logits.length; i++) {
      double max = Double.NEGATIVE_INFINITY;
      for (float v : logits[i]) {
        max = Math.max(max, v);
      }
      double sum = 0;
      for (float v : logits[i]) {
        sum += Math.exp(v - max);
      }
      double log = max + Math.log(sum);
      out[i] = new double[logits[i].length];
      for (int v = 0; v < logits[i].length; v++) {
        out[i][v] = logits[i][v] - log;
      }
    }
    return out;
  }

  @Test
  void topKSortsAndNormalises() {
    List<TokenScore> top = GemmaModel.topK(new float[] {0f, 2f, 1f, 2f}, 3);
    assertEquals(List.of(1, 3, 2), top.stream().map(TokenScore::id).toList());
    double z = Math.log(1 + 2 * Math.exp(2) + Math.exp(1));
    assertEquals(2 - z, top.get(0).logprob(), 1e-6);
  }

  @Test
  void badRequestsNameWhatIsWrong() {
    ModelConfig c = gemma3.config();
    CaptureSpec spec = CaptureSpec.of(List.of(0), Site.RESID_POST);
    var e1 =
        assertThrows(
            IllegalArgumentException.class,
            () -> gemma3.forward(List.of(new int[] {2, 5}, new int[] {2, c.vocabSize()}), spec));
    assertTrue(
        e1.getMessage().contains("sequence 1 position 1: token id " + c.vocabSize()),
        e1.getMessage());
    var e2 =
        assertThrows(
            IllegalArgumentException.class, () -> gemma3.forward(List.of(new int[0]), spec));
    assertTrue(e2.getMessage().contains("sequence 0 is empty"), e2.getMessage());
    var e3 =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                gemma3.forward(
                    List.of(new int[] {2, 5}), CaptureSpec.of(List.of(c.nLayers()), Site.MLP_OUT)));
    assertTrue(e3.getMessage().contains("layers." + c.nLayers() + ".mlp_out"), e3.getMessage());
    var e4 =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                gemma3.forward(
                    List.of(new int[] {2, 5}),
                    new CaptureSpec(
                        spec.hooks(), Positions.chosen(List.of(new int[] {2})), Positions.none())));
    assertTrue(
        e4.getMessage().contains("position 2 outside sequence 0 of length 2"), e4.getMessage());
    var e5 =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                gemma3.forward(
                    List.of(new int[] {2, 5}),
                    CaptureSpec.logitsOnly(Positions.chosen(List.of()))));
    assertTrue(e5.getMessage().contains("0 position lists for 1 sequences"), e5.getMessage());
    var e6 =
        assertThrows(
            IllegalArgumentException.class,
            () -> gemma3.lensLogits(new Rows(new int[] {0}, 3, new float[3]), new int[] {1}));
    assertTrue(e6.getMessage().contains("width dModel " + c.dModel()), e6.getMessage());
    var e7 =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                gemma3.lensLogits(
                    new Rows(new int[] {0}, c.dModel(), new float[c.dModel()]), new int[] {-1}));
    assertTrue(e7.getMessage().contains("token id -1"), e7.getMessage());
    assertThrows(IllegalArgumentException.class, () -> Site.parse("resid_mid"));
    assertEquals(Site.ATTN_Z, Site.parse("attn_z"));
  }
}
