package dev.saescope.runtime.model;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.saescope.runtime.config.ModelConfig;
import dev.saescope.runtime.weights.HfFolderWeights;
import dev.saescope.runtime.weights.HostTensor;
import dev.saescope.runtime.weights.ModelWeights;
import dev.saescope.runtime.weights.WeightsException;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * A source that hands over a misshapen or missing tensor fails the load, naming file and tensor.
 */
class GemmaModelLoadTest {
  /** Delegates to a real folder but corrupts one tensor. */
  private record Corrupt(ModelWeights inner, String name, boolean missing) implements ModelWeights {
    @Override
    public ModelConfig config() {
      return inner.config();
    }

    @Override
    public Path origin() {
      return inner.origin();
    }

    @Override
    public Set<String> names() {
      return inner.names();
    }

    @Override
    public HostTensor tensor(String n) throws WeightsException {
      if (!n.equals(name)) {
        return inner.tensor(n);
      }
      if (missing) {
        throw new WeightsException(origin(), n, "not in this folder");
      }
      HostTensor t = inner.tensor(n);
      long[] shape = t.shape();
      return new HostTensor(
          n, new long[] {shape[1], shape[0]}, FloatBuffer.wrap(new float[(int) t.size()]));
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

  @Test
  void aTransposedTensorIsRejectedWithItsNameAndShape() throws Exception {
    try (HfFolderWeights w = HfFolderWeights.open(HfGoldenTest.goldenDir("gemma2-tiny"))) {
      String name = "model.layers.1.mlp.down_proj.weight";
      var e =
          assertThrows(WeightsException.class, () -> GemmaModel.load(new Corrupt(w, name, false)));
      assertTrue(e.getMessage().contains(name), e.getMessage());
      assertTrue(e.getMessage().contains("gemma2-tiny"), e.getMessage());
      assertTrue(e.getMessage().contains("expected [64, 96]"), e.getMessage());
    }
  }

  @Test
  void aMissingTensorIsNamed() throws Exception {
    try (HfFolderWeights w = HfFolderWeights.open(HfGoldenTest.goldenDir("gemma3-tiny"))) {
      String name = "model.layers.2.self_attn.k_norm.weight";
      var e =
          assertThrows(WeightsException.class, () -> GemmaModel.load(new Corrupt(w, name, true)));
      assertTrue(e.getMessage().contains(name), e.getMessage());
    }
  }
}
