package dev.saescope.lab.eval;

import dev.saescope.runtime.model.CaptureSpec;
import dev.saescope.runtime.model.ForwardResult;
import dev.saescope.runtime.model.GemmaModel;
import dev.saescope.runtime.model.HookPoint;
import dev.saescope.runtime.model.Patch;
import dev.saescope.runtime.model.Positions;
import java.util.List;
import java.util.Set;

/** {@link PatchedForward} on the Gemma runtime, through its {@link Patch} API. */
public final class ModelPatchedForward implements PatchedForward {
  private final GemmaModel model;

  public ModelPatchedForward(GemmaModel model) {
    this.model = model;
  }

  @Override
  public Result run(int[] tokens, HookPoint hook, ActivationPatch patch) {
    int n = tokens.length;
    if (n < 3) {
      throw new IllegalArgumentException(
          "a patched run needs at least 3 tokens (BOS and two more), got " + n);
    }
    Positions afterBos = Positions.chosen(List.of(range(1, n))); // patched and captured
    Positions predicting = Positions.chosen(List.of(range(1, n - 1))); // positions 1..n-2
    CaptureSpec spec =
        new CaptureSpec(Set.of(hook), afterBos, Positions.none()).withNextTokenLogprobs(predicting);
    Patch p =
        switch (patch) {
          case ActivationPatch.Clean c -> null;
          case ActivationPatch.Zero z -> Patch.zero(hook, afterBos);
          case ActivationPatch.Replace r -> Patch.replace(hook, afterBos, r.replace());
        };
    ForwardResult out = model.forward(List.of(tokens), spec, p);
    float[] logprobs = out.nextTokenLogprobs(0).values();
    double[] loss = new double[logprobs.length];
    for (int i = 0; i < loss.length; i++) {
      loss[i] = -logprobs[i];
    }
    return new Result(out.capture(hook, 0).values(), loss);
  }

  private static int[] range(int from, int to) {
    int[] r = new int[to - from];
    for (int i = 0; i < r.length; i++) {
      r[i] = from + i;
    }
    return r;
  }
}
