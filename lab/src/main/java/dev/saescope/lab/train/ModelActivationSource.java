package dev.saescope.lab.train;

import dev.saescope.runtime.model.CaptureSpec;
import dev.saescope.runtime.model.ForwardResult;
import dev.saescope.runtime.model.GemmaModel;
import dev.saescope.runtime.model.HookPoint;
import dev.saescope.runtime.model.Positions;
import dev.saescope.runtime.model.Rows;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * Activations of a model at one or more hooks over a text corpus. Documents are tokenized ({@code
 * tokenize} returns ids without BOS) and concatenated into one stream, cut into sequences of {@code
 * context} tokens that each start with BOS, and run through the model a few sequences at a time,
 * capturing every hook in the same pass (so SAEs for several layers cost one forward stream).
 * Non-BOS rows (Gemma Scope excludes BOS) are shuffled within a mixing buffer of about {@code
 * mixRows} rows with a seeded generator, the same permutation for every hook, so a step does not
 * see one sequence's correlated positions together. The corpus is cycled when exhausted.
 * Deterministic for a given corpus, model and seed.
 *
 * <p>With several hooks, read the {@link #view}s in lockstep (the same number of rows from each
 * between refills), as {@link MultiTrainer} does; a view that runs ahead makes the others buffer.
 */
public final class ModelActivationSource implements ActivationSource {
  private final GemmaModel model;
  private final List<HookPoint> hooks;
  private final int sequencesPerForward;
  private final int mixRows;
  private final SplittableRandom rnd;
  private final Map<HookPoint, View> views = new LinkedHashMap<>();
  private final SequenceStream sequences;
  private long forwardTokens;

  public ModelActivationSource(
      GemmaModel model,
      Function<String, int[]> tokenize,
      int bosId,
      Iterable<String> corpus,
      List<HookPoint> hooks,
      int context,
      int sequencesPerForward,
      int mixRows,
      long seed) {
    if (context < 2 || sequencesPerForward < 1 || mixRows < 1 || hooks.isEmpty()) {
      throw new IllegalArgumentException(
          "need a hook, context >= 2, sequences per forward >= 1, mix rows >= 1");
    }
    for (HookPoint h : hooks) {
      if (h.layer() >= model.config().nLayers()) {
        throw new IllegalArgumentException(
            "layer "
                + h.layer()
                + " does not exist: the model has "
                + model.config().nLayers()
                + " layers");
      }
    }
    this.model = model;
    this.hooks = List.copyOf(new TreeSet<>(hooks));
    this.sequencesPerForward = sequencesPerForward;
    this.mixRows = mixRows;
    this.rnd = new SplittableRandom(seed);
    for (HookPoint h : this.hooks) {
      views.put(h, new View(h, h.site().width(model.config())));
    }
    this.sequences = new SequenceStream(corpus, tokenize, bosId, context);
  }

  /** The activations at one hook. */
  public ActivationSource view(HookPoint hook) {
    View v = views.get(hook);
    if (v == null) {
      throw new IllegalArgumentException(
          hook + " is not captured by this source; captured: " + hooks);
    }
    return v;
  }

  /** With a single hook, the source itself reads it. */
  @Override
  public int dIn() {
    return single().dIn();
  }

  @Override
  public int next(float[] into, int rows) throws IOException {
    return single().next(into, rows);
  }

  /** Advances every hook by {@code rows} rows (resuming several SAEs trained in lockstep). */
  @Override
  public void skip(long rows) throws IOException {
    for (View v : views.values()) {
      v.skipPending = rows;
    }
    for (View v : views.values()) {
      v.drainSkip();
    }
  }

  private View single() {
    if (views.size() != 1) {
      throw new IllegalStateException(
          "this source captures " + hooks + ": read it through view(hook)");
    }
    return views.values().iterator().next();
  }

  /** Tokens run through the model so far (BOS included). */
  public long forwardTokens() {
    return forwardTokens;
  }

  /** Times the corpus was started over. */
  public int epochs() {
    return sequences.epochs();
  }

  /** One hook's rows: unread rows of the current mixing buffer. */
  private final class View implements ActivationSource {
    final HookPoint hook;
    final int width;
    float[] buffer = new float[0];
    int rows;
    int pos;
    long skipPending;

    View(HookPoint hook, int width) {
      this.hook = hook;
      this.width = width;
    }

    @Override
    public int dIn() {
      return width;
    }

    @Override
    public int next(float[] into, int want) throws IOException {
      drainSkip();
      if (pos == rows) {
        refill();
      }
      int n = Math.min(want, rows - pos);
      System.arraycopy(buffer, pos * width, into, 0, n * width);
      pos += n;
      return n;
    }

    /** Discards pending skipped rows, refilling (for every hook) as needed. */
    void drainSkip() throws IOException {
      while (skipPending > 0) {
        if (pos == rows) {
          refill();
        }
        int n = (int) Math.min(skipPending, rows - pos);
        pos += n;
        skipPending -= n;
      }
    }

    @Override
    public void skip(long n) throws IOException {
      skipPending += n;
      drainSkip();
    }

    void append(float[] more, int moreRows) {
      int left = rows - pos;
      float[] b = new float[(left + moreRows) * width];
      System.arraycopy(buffer, pos * width, b, 0, left * width);
      System.arraycopy(more, 0, b, left * width, moreRows * width);
      buffer = b;
      rows = left + moreRows;
      pos = 0;
    }
  }

  /** Runs forward passes until about {@code mixRows} rows per hook, shuffles, appends to views. */
  private void refill() throws IOException {
    Map<HookPoint, List<float[]>> parts = new LinkedHashMap<>();
    hooks.forEach(h -> parts.put(h, new ArrayList<>()));
    int rows = 0;
    CaptureSpec spec = new CaptureSpec(new TreeSet<>(hooks), Positions.all(), Positions.none());
    while (rows < mixRows) {
      List<int[]> seqs = new ArrayList<>();
      for (int s = 0; s < sequencesPerForward; s++) {
        seqs.add(sequences.next());
      }
      ForwardResult r = model.forward(seqs, spec);
      for (int s = 0; s < seqs.size(); s++) {
        for (HookPoint h : hooks) {
          parts.get(h).add(withoutBos(r.capture(h, s)));
        }
        rows += seqs.get(s).length - 1;
        forwardTokens += seqs.get(s).length;
      }
    }
    int[] perm = permutation(rows);
    for (HookPoint h : hooks) {
      View v = views.get(h);
      float[] all = new float[rows * v.width];
      int at = 0;
      for (float[] p : parts.get(h)) {
        System.arraycopy(p, 0, all, at, p.length);
        at += p.length;
      }
      float[] shuffled = new float[all.length];
      for (int i = 0; i < rows; i++) {
        System.arraycopy(all, perm[i] * v.width, shuffled, i * v.width, v.width);
      }
      v.append(shuffled, rows);
    }
  }

  /** Rows of positions 1..n-1: BOS activations have norms far from the rest. */
  private static float[] withoutBos(Rows captured) {
    int[] pos = captured.positions();
    int w = captured.width();
    float[] out = new float[(pos.length - 1) * w];
    int at = 0;
    for (int i = 0; i < pos.length; i++) {
      if (pos[i] != 0) {
        System.arraycopy(captured.values(), i * w, out, at * w, w);
        at++;
      }
    }
    return at * w == out.length ? out : Arrays.copyOf(out, at * w);
  }

  private int[] permutation(int n) {
    int[] p = new int[n];
    for (int i = 0; i < n; i++) {
      p[i] = i;
    }
    for (int i = n - 1; i > 0; i--) {
      int j = rnd.nextInt(i + 1);
      int t = p[i];
      p[i] = p[j];
      p[j] = t;
    }
    return p;
  }
}
