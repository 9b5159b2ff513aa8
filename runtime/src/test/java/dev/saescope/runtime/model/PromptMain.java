package dev.saescope.runtime.model;

import dev.saescope.runtime.config.ModelConfig;
import dev.saescope.runtime.weights.HfFolderWeights;
import dev.saescope.runtime.weights.ModelWeights;
import dev.saescope.runtime.weights.gguf.GgufWeights;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Developer harness: top-5 next tokens and the lens top-1 per layer for pre-tokenized prompts. */
public final class PromptMain {
  private PromptMain() {}

  public static void main(String[] args) throws Exception {
    Path path = Path.of(args[0]);
    List<int[]> seqs = new ArrayList<>();
    for (int i = 1; i < args.length; i++) {
      seqs.add(Arrays.stream(args[i].split(",")).mapToInt(Integer::parseInt).toArray());
    }
    ModelWeights w =
        Files.isDirectory(path) ? HfFolderWeights.open(path) : GgufWeights.open(path, null);
    try (w;
        GemmaModel model = GemmaModel.load(w)) {
      ModelConfig c = model.config();
      List<Integer> layers = java.util.stream.IntStream.range(0, c.nLayers()).boxed().toList();
      CaptureSpec spec =
          new CaptureSpec(
              CaptureSpec.of(layers, Site.RESID_POST).hooks(),
              Positions.last(seqs),
              Positions.last(seqs));
      ForwardResult r = model.forward(seqs, spec);
      for (int b = 0; b < seqs.size(); b++) {
        System.out.println("seq " + b + " top5 " + GemmaModel.topK(r.logits(b).row(0), 5));
        StringBuilder lens = new StringBuilder("  lens top1 by layer:");
        for (int l = 0; l < c.nLayers(); l++) {
          lens.append(' ')
              .append(model.lensTopK(r.capture(l, Site.RESID_POST, b), 1).get(0).get(0).id());
        }
        System.out.println(lens);
      }
    }
  }
}
