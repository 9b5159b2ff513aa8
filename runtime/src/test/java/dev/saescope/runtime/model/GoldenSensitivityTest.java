package dev.saescope.runtime.model;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.saescope.runtime.config.ModelConfig;
import dev.saescope.runtime.weights.HfFolderWeights;
import dev.saescope.runtime.weights.HostTensor;
import dev.saescope.runtime.weights.ModelWeights;
import dev.saescope.runtime.weights.Safetensors;
import dev.saescope.runtime.weights.WeightsException;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/**
 * Shows that the golden comparison can fail: each deliberately wrong configuration (one feature
 * off) must move the final logits of the tiny models far outside {@link HfGoldenTest}'s tolerance.
 */
class GoldenSensitivityTest {

  /** A source whose config is changed, weights untouched. */
  private record Altered(ModelWeights inner, ModelConfig config) implements ModelWeights {
    @Override
    public Path origin() {
      return inner.origin();
    }

    @Override
    public Set<String> names() {
      return inner.names();
    }

    @Override
    public HostTensor tensor(String name) throws WeightsException {
      return inner.tensor(name);
    }

    @Override
    public Path tokenizerJson() throws WeightsException {
      return inner.tokenizerJson();
    }

    @Override
    public void close() {
      inner.close();
    }
  }

  private static double logitDiff(String name, UnaryOperator<ModelConfig> change) throws Exception {
    Path dir = HfGoldenTest.goldenDir(name);
    List<int[]> seqs = HfGoldenTest.sequences(dir);
    try (HfFolderWeights w = HfFolderWeights.open(dir);
        GemmaModel model = GemmaModel.load(new Altered(w, change.apply(w.config())));
        Safetensors golden = Safetensors.open(dir.resolve("golden.safetensors"))) {
      ForwardResult r = model.forward(seqs, CaptureSpec.logitsOnly(Positions.all()));
      HostTensor g = golden.read("logits");
      long[] shape = g.shape();
      double max = 0;
      for (int b = 0; b < seqs.size(); b++) {
        Rows rows = r.logits(b);
        for (int i = 0; i < rows.count(); i++) {
          for (int j = 0; j < rows.width(); j++) {
            float want = g.data().get((int) ((b * shape[1] + i) * shape[2] + j));
            max = Math.max(max, Math.abs(want - rows.get(i, j)));
          }
        }
      }
      return max;
    }
  }

  private static ModelConfig with(
      ModelConfig c,
      int window,
      double attnCap,
      double finalCap,
      double thetaGlobal,
      double thetaLocal,
      double qpas) {
    return new ModelConfig(
        c.architecture(),
        c.vocabSize(),
        c.dModel(),
        c.dMlp(),
        c.nLayers(),
        c.nHeads(),
        c.nKvHeads(),
        c.headDim(),
        c.rmsNormEps(),
        qpas,
        attnCap,
        finalCap,
        window,
        c.layerKinds(),
        thetaGlobal,
        thetaLocal,
        c.qkNorm(),
        c.maxPositions(),
        c.bosId(),
        c.eosId(),
        c.padId());
  }

  private static void assertBroken(String what, double diff) {
    assertTrue(diff > 1e-2, what + " should break the logits, max diff only " + diff);
  }

  @Test
  void eachFeatureMatters() throws Exception {
    assertTrue(logitDiff("gemma2-tiny", c -> c) < 1e-4, "unaltered config must match");
    assertBroken(
        "window + 1",
        logitDiff(
            "gemma2-tiny",
            c ->
                with(
                    c,
                    c.slidingWindow() + 1,
                    c.attnLogitSoftcap(),
                    c.finalLogitSoftcap(),
                    c.ropeThetaGlobal(),
                    c.ropeThetaLocal(),
                    c.queryPreAttnScalar())));
    assertBroken(
        "no attention softcap",
        logitDiff(
            "gemma2-tiny",
            c ->
                with(
                    c,
                    c.slidingWindow(),
                    0,
                    c.finalLogitSoftcap(),
                    c.ropeThetaGlobal(),
                    c.ropeThetaLocal(),
                    c.queryPreAttnScalar())));
    assertBroken(
        "no final softcap",
        logitDiff(
            "gemma2-tiny",
            c ->
                with(
                    c,
                    c.slidingWindow(),
                    c.attnLogitSoftcap(),
                    0,
                    c.ropeThetaGlobal(),
                    c.ropeThetaLocal(),
                    c.queryPreAttnScalar())));
    assertBroken(
        "scale by head_dim",
        logitDiff(
            "gemma2-tiny",
            c ->
                with(
                    c,
                    c.slidingWindow(),
                    c.attnLogitSoftcap(),
                    c.finalLogitSoftcap(),
                    c.ropeThetaGlobal(),
                    c.ropeThetaLocal(),
                    c.headDim())));
    assertBroken(
        "rope bases swapped",
        logitDiff(
            "gemma3-tiny",
            c ->
                with(
                    c,
                    c.slidingWindow(),
                    c.attnLogitSoftcap(),
                    c.finalLogitSoftcap(),
                    c.ropeThetaLocal(),
                    c.ropeThetaGlobal(),
                    c.queryPreAttnScalar())));
    assertBroken(
        "window - 1",
        logitDiff(
            "gemma3-tiny",
            c ->
                with(
                    c,
                    c.slidingWindow() - 1,
                    c.attnLogitSoftcap(),
                    c.finalLogitSoftcap(),
                    c.ropeThetaGlobal(),
                    c.ropeThetaLocal(),
                    c.queryPreAttnScalar())));
  }
}
