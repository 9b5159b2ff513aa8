package dev.saescope.runtime.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Set;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Next-token log-probabilities and activation patching on the tiny Gemma 3 model. */
class PatchAndLogprobTest {
  private static GemmaModel model;
  private static List<int[]> batch;

  @BeforeAll
  static void load() throws Exception {
    model = HfGoldenTest.load("gemma3-tiny");
    batch = GemmaModelTest.randomSequences(3, 4, 12, model.config().vocabSize(), 21);
  }

  @AfterAll
  static void close() {
    model.close();
  }

  @Test
  void nextTokenLogprobsAreTheLogSoftmaxOfTheLogitsAtTheNextToken() {
    ForwardResult r =
        model.forward(
            batch, CaptureSpec.logitsOnly(Positions.all()).withNextTokenLogprobs(Positions.all()));
    for (int b = 0; b < batch.size(); b++) {
      Rows lp = r.nextTokenLogprobs(b);
      int[] s = batch.get(b);
      assertArrayEquals(IntStream.range(0, s.length - 1).toArray(), lp.positions());
      for (int t = 0; t < s.length - 1; t++) {
        float[] logits = r.logits(b).row(t);
        assertEquals(logits[s[t + 1]] - TopK.logSumExp(logits), lp.get(t, 0), 1e-5);
      }
    }
    var e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                model.forward(
                    batch,
                    CaptureSpec.logitsOnly(Positions.none())
                        .withNextTokenLogprobs(
                            Positions.chosen(
                                List.of(
                                    new int[] {0},
                                    new int[] {0},
                                    new int[] {batch.get(2).length - 1})))));
    assertTrue(e.getMessage().contains("no next token"), e.getMessage());
  }

  private static CaptureSpec allResid() {
    int n = model.config().nLayers();
    return CaptureSpec.of(
            IntStream.range(0, n).boxed().toList(), Site.RESID_PRE, Site.RESID_POST, Site.ATTN_Z)
        .withLogits(Positions.all());
  }

  @Test
  void anIdentityPatchChangesNothing() {
    ForwardResult clean = model.forward(batch, allResid());
    for (Site site : Site.values()) {
      Patch identity = Patch.replace(new HookPoint(1, site), Positions.all(), x -> x.clone());
      ForwardResult patched = model.forward(batch, allResid(), identity);
      for (int b = 0; b < batch.size(); b++) {
        assertArrayEquals(clean.logits(b).values(), patched.logits(b).values(), 0f, site.key());
      }
    }
  }

  @Test
  void aZeroPatchIsSeenDownstreamButNotAtTheHook() {
    HookPoint hook = new HookPoint(1, Site.RESID_POST);
    List<int[]> chosen = List.of(new int[] {1, 2}, new int[] {3}, new int[] {});
    ForwardResult clean = model.forward(batch, allResid());
    ForwardResult patched =
        model.forward(batch, allResid(), Patch.zero(hook, Positions.chosen(chosen)));
    for (int b = 0; b < batch.size(); b++) {
      assertArrayEquals(clean.capture(hook, b).values(), patched.capture(hook, b).values(), 0f);
      Rows next = patched.capture(2, Site.RESID_PRE, b);
      for (int p : chosen.get(b)) {
        assertArrayEquals(new float[model.config().dModel()], next.row(p), 0f);
      }
      // position 0 is before every patched position: causal attention keeps it clean
      assertArrayEquals(clean.logits(b).row(0), patched.logits(b).row(0), 1e-6f);
    }
    double changed = 0;
    for (int i = 0; i < clean.logits(0).values().length; i++) {
      changed =
          Math.max(changed, Math.abs(clean.logits(0).values()[i] - patched.logits(0).values()[i]));
    }
    assertTrue(changed > 1e-2, "the patch should change later logits, max change " + changed);
  }

  @Test
  void patchingResidPostEqualsPatchingTheNextResidPre() {
    float[] v = new float[model.config().dModel()];
    for (int i = 0; i < v.length; i++) {
      v[i] = (float) Math.sin(i);
    }
    Patch.Editor put =
        (s, clean) -> {
          float[] out = clean.values().clone();
          System.arraycopy(v, 0, out, 0, v.length);
          return out;
        };
    List<int[]> at = List.of(new int[] {2}, new int[] {2}, new int[] {2});
    ForwardResult a =
        model.forward(
            batch,
            allResid(),
            new Patch(new HookPoint(1, Site.RESID_POST), Positions.chosen(at), put));
    ForwardResult b =
        model.forward(
            batch,
            allResid(),
            new Patch(new HookPoint(2, Site.RESID_PRE), Positions.chosen(at), put));
    for (int s = 0; s < batch.size(); s++) {
      assertArrayEquals(a.logits(s).values(), b.logits(s).values(), 0f);
    }
  }

  @Test
  void aBadEditorIsNamed() {
    Patch bad =
        new Patch(new HookPoint(0, Site.ATTN_Z), Positions.all(), (s, clean) -> new float[3]);
    var e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                model.forward(
                    batch, new CaptureSpec(Set.of(), Positions.none(), Positions.all()), bad));
    assertTrue(e.getMessage().contains("patch at layers.0.attn_z"), e.getMessage());
  }
}
