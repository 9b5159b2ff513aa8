package dev.saescope.lab.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.saescope.runtime.config.GemmaPresets;
import dev.saescope.runtime.config.ModelConfig;
import dev.saescope.runtime.weights.TinyModels;
import org.junit.jupiter.api.Test;

class ModelFlopsTest {
  @Test
  void tinyModelByHand() {
    // dModel 8, H*D 8, KV*D 4, MLP 16, 2 layers (sliding W=3, full), seq 4
    ModelConfig c = TinyModels.gemma2();
    ModelFlops f = ModelFlops.of(c, 4);
    double perLayer = 2 * (8 * 8 + 2 * 8 * 4 + 8 * 8 + 3 * 8 * 16);
    assertEquals(2 * perLayer, f.linear());
    // visible keys: sliding min(i+1, 3) = 1,2,3,3 -> mean 2.25; full 1,2,3,4 -> mean 2.5
    assertEquals(2 * 2 * 8 * (2.25 + 2.5), f.attentionCausal(), 1e-9);
    assertEquals(2 * 2 * 8 * 4 * 2, f.attentionDense());
    assertEquals(2 * 8 * 32, f.unembedding());
    assertEquals(f.linear() + f.attentionCausal(), f.total());
  }

  @Test
  void gemma2_2bIsAboutTwiceItsNonEmbeddingParameters() {
    ModelFlops f = ModelFlops.of(GemmaPresets.GEMMA_2_2B.config(), 128);
    // 26 layers x (2304*(2048+1024+1024) + 2048*2304 + 3*2304*9216) params = 2.02e9 -> 4.05e9 FLOPs
    assertEquals(4.0487e9, f.linear(), 1e6);
    assertTrue(f.attentionCausal() < 0.01 * f.linear());
    assertEquals(2.0 * 2304 * 256000, f.unembedding());
  }
}
