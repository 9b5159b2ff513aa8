package dev.saescope.lab.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import dev.saescope.runtime.config.ModelConfig;
import dev.saescope.runtime.model.GemmaModel;
import dev.saescope.runtime.model.HookPoint;
import dev.saescope.runtime.model.Site;
import dev.saescope.runtime.weights.HfFolderWeights;
import dev.saescope.runtime.weights.RandomModelWriter;
import dev.saescope.runtime.weights.TinyModels;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The adapter on a real tiny random Gemma 3: shapes, clean capture, and patches that matter. */
class ModelPatchedForwardTest {
  @TempDir Path tmp;

  @Test
  void identityPatchKeepsLossesAndZeroPatchChangesThem() throws Exception {
    ModelConfig c = TinyModels.gemma3();
    RandomModelWriter.write(
        c, tmp.resolve("m"), RandomModelWriter.Options.defaults(9), null, b -> {});
    try (HfFolderWeights w = HfFolderWeights.open(tmp.resolve("m"));
        GemmaModel model = GemmaModel.load(w)) {
      PatchedForward f = new ModelPatchedForward(model);
      int[] tokens = {c.bosId(), 5, 9, 12, 7, 20};
      HookPoint hook = new HookPoint(1, Site.RESID_POST);
      PatchedForward.Result clean = f.run(tokens, hook, new ActivationPatch.Clean());
      assertEquals(5 * c.dModel(), clean.captured().length, "positions 1..5");
      assertEquals(4, clean.nextTokenLoss().length, "predictions from positions 1..4");
      PatchedForward.Result same = f.run(tokens, hook, new ActivationPatch.Replace(x -> x.clone()));
      assertArrayEquals(clean.nextTokenLoss(), same.nextTokenLoss(), 1e-5);
      PatchedForward.Result zero = f.run(tokens, hook, new ActivationPatch.Zero());
      assertArrayEquals(clean.captured(), zero.captured(), "captures are the clean values");
      assertNotEquals(clean.nextTokenLoss()[2], zero.nextTokenLoss()[2], 1e-6);
    }
  }
}
