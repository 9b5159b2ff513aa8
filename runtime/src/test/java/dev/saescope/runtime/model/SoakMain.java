package dev.saescope.runtime.model;

import dev.saescope.runtime.config.ModelConfig;
import dev.saescope.runtime.weights.HfFolderWeights;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.IntStream;

/**
 * Child process of {@link SoakTest}: runs batches on a model folder and prints one line per sample,
 * {@code rss <batch> <bytes> <arrays>}, where arrays counts those held by the weights' manager. Run
 * with a small pre-touched heap so that resident-set changes are native memory.
 */
public final class SoakMain {
  private SoakMain() {}

  static long rssBytes() throws Exception {
    String[] statm = Files.readString(Path.of("/proc/self/statm")).trim().split("\\s+");
    return Long.parseLong(statm[1]) * 4096;
  }

  public static void main(String[] args) throws Exception {
    Path folder = Path.of(args[0]);
    int batches = Integer.parseInt(args[1]);
    try (HfFolderWeights w = HfFolderWeights.open(folder);
        GemmaModel model = GemmaModel.load(w)) {
      ModelConfig c = model.config();
      CaptureSpec spec =
          CaptureSpec.of(IntStream.range(0, c.nLayers()).boxed().toList(), Site.values())
              .withLogits(Positions.all());
      System.out.println("arrays-at-load " + model.managedArrays());
      for (int i = 0; i < batches; i++) {
        List<int[]> batch = GemmaModelTest.randomSequences(8, 16, 64, c.vocabSize(), i);
        ForwardResult r = model.forward(batch, spec);
        model.lensTopK(r.capture(c.nLayers() - 1, Site.RESID_POST, 0), 3);
        model.lensLogits(r.capture(1, Site.RESID_POST, 1), new int[] {3, 4});
        Rows last = r.capture(c.nLayers() - 1, Site.RESID_POST, 2);
        int[][] targets = new int[last.count()][];
        java.util.Arrays.fill(targets, new int[] {3, 4});
        for (LensReduction reduction : LensReduction.values()) { // VECTOR reads engine memory
          model.lensStats(last, targets, new int[last.count()], reduction);
        }
        if ((i + 1) % 20 == 0) {
          System.out.println("rss " + (i + 1) + " " + rssBytes() + " " + model.managedArrays());
        }
      }
    }
  }
}
