package dev.saescope.lab.bench;

import dev.saescope.runtime.config.ModelConfig;
import dev.saescope.runtime.model.CaptureSpec;
import dev.saescope.runtime.model.GemmaModel;
import dev.saescope.runtime.model.GemmaModelTest;
import dev.saescope.runtime.model.Site;
import dev.saescope.runtime.weights.HfFolderWeights;
import dev.saescope.runtime.weights.ModelWeights;
import dev.saescope.runtime.weights.gguf.GgufWeights;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.IntStream;

/**
 * Developer harness (not a test): tokens/s of batch x seq with resid_post captured at every layer,
 * against the matmul roofline. Args: model (GGUF file or HF folder), batch, seq, iterations.
 */
public final class ForwardPerfMain {
  private ForwardPerfMain() {}

  public static void main(String[] args) throws Exception {
    Path path = Path.of(args[0]);
    int batch = Integer.parseInt(args[1]);
    int seq = Integer.parseInt(args[2]);
    int iters = Integer.parseInt(args[3]);
    ModelWeights w =
        Files.isDirectory(path) ? HfFolderWeights.open(path) : GgufWeights.open(path, null);
    try (w;
        GemmaModel model = GemmaModel.load(w)) {
      ModelConfig c = model.config();
      List<int[]> seqs =
          GemmaModelTest.randomSequences(batch, seq, seq, Math.min(c.vocabSize(), 200000), 1);
      CaptureSpec spec =
          CaptureSpec.of(IntStream.range(0, c.nLayers()).boxed().toList(), Site.RESID_POST);
      model.forward(seqs, spec); // warm-up
      if (args.length > 4) {
        ai.djl.pytorch.jni.JniUtils.startProfile(false, true, false);
        model.forward(seqs, spec);
        ai.djl.pytorch.jni.JniUtils.stopProfile(args[4]);
      }
      double best = Double.MAX_VALUE;
      double sum = 0;
      for (int i = 0; i < iters; i++) {
        long t0 = System.nanoTime();
        model.forward(seqs, spec);
        double s = (System.nanoTime() - t0) / 1e9;
        best = Math.min(best, s);
        sum += s;
        System.out.printf("iter %d: %.3f s, %.0f tok/s%n", i, s, batch * seq / s);
      }
      var roof = MatmulRoofline.measure(MatmulRoofline.shapesFor(c, batch * seq), 3, 1.0);
      roof.measurements()
          .forEach(
              m -> System.out.printf("  %s: %.1f GFLOP/s%n", m.shape(), m.flopsPerSecond() / 1e9));
      ModelFlops f = ModelFlops.of(c, seq);
      double flopsPerTok = f.linear() + f.attentionCausal();
      double rooflineTps = roof.peakFlopsPerSecond() / flopsPerTok;
      double tps = batch * seq / (sum / iters);
      System.out.printf(
          "mean %.0f tok/s (best %.0f); %.1f MFLOP/token; roofline %.1f GFLOP/s -> %.0f tok/s; ratio %.2f (best %.2f)%n",
          tps,
          batch * seq / best,
          flopsPerTok / 1e6,
          roof.peakFlopsPerSecond() / 1e9,
          rooflineTps,
          tps / rooflineTps,
          batch * seq / best / rooflineTps);
    }
  }
}
