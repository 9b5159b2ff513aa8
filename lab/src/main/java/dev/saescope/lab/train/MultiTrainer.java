package dev.saescope.lab.train;

import dev.saescope.runtime.model.HookPoint;
import dev.saescope.runtime.sae.SaeParams;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiConsumer;

/**
 * Trains one SAE per hook in lockstep on one {@link ModelActivationSource}, so SAEs for several
 * layers share every forward pass: each round gives every trainer one step on its own hook's next
 * batch. All trainers must use the same batch size and token budget.
 */
public final class MultiTrainer {
  private MultiTrainer() {}

  /**
   * @param trainers one per hook, in the order of {@code hooks}
   * @param progress called after every step with the hook it belongs to
   */
  public static List<SaeParams> train(
      List<TopKTrainer> trainers,
      List<HookPoint> hooks,
      ModelActivationSource source,
      BiConsumer<HookPoint, TrainProgress> progress)
      throws IOException {
    if (trainers.size() != hooks.size() || trainers.isEmpty()) {
      throw new IllegalArgumentException(
          trainers.size() + " trainers for " + hooks.size() + " hooks");
    }
    long tokens = trainers.get(0).tokens();
    for (int i = 0; i < trainers.size(); i++) {
      TopKTrainer t = trainers.get(i);
      if (t.tokens() != tokens
          || t.config().batchSize() != trainers.get(0).config().batchSize()
          || t.config().totalTokens() != trainers.get(0).config().totalTokens()) {
        throw new IllegalArgumentException(
            "SAEs trained together must share batch size, budget and progress: "
                + hooks.get(i)
                + " is at "
                + t.tokens()
                + " tokens (batch "
                + t.config().batchSize()
                + "), "
                + hooks.get(0)
                + " at "
                + tokens
                + " (batch "
                + trainers.get(0).config().batchSize()
                + "); retrain the one that is behind separately or delete its checkpoint");
      }
    }
    if (tokens > 0) {
      source.skip(tokens);
    }
    boolean any = true;
    while (any) {
      any = false;
      for (int i = 0; i < trainers.size(); i++) {
        HookPoint h = hooks.get(i);
        any |= trainers.get(i).step(source.view(h), p -> progress.accept(h, p));
      }
    }
    List<SaeParams> out = new ArrayList<>();
    for (TopKTrainer t : trainers) {
      out.add(t.finish());
    }
    return out;
  }
}
