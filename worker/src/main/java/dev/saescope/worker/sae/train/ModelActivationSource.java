package dev.saescope.worker.sae.train;

import dev.saescope.worker.model.CaptureSpec;
import dev.saescope.worker.model.ForwardResult;
import dev.saescope.worker.model.GemmaModel;
import dev.saescope.worker.model.HookPoint;
import dev.saescope.worker.model.Rows;
import dev.saescope.worker.tokenizer.GemmaTokenizer;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Activations of a model at one hook over a text corpus: documents are tokenized and concatenated
 * into one stream, cut into sequences of {@code context} tokens that each start with BOS, run
 * through the model a few sequences at a time, and the non-BOS rows (Gemma Scope excludes BOS)
 * are shuffled within a mixing buffer of about {@code mixRows} rows with a seeded generator, so
 * that a step does not see one sequence's correlated positions together. The corpus is cycled
 * when exhausted. Deterministic for a given corpus, model and seed.
 */
public final class ModelActivationSource implements ActivationSource {
  private final GemmaModel model;
  private final GemmaTokenizer tokenizer;
  private final Iterable<String> corpus;
  private final HookPoint hook;
  private final int context;
  private final int sequencesPerForward;
  private final int mixRows;
  private final SplittableRandom rnd;
  private final int width;
  private Iterator<String> docs;
  private int[] stream = new int[0]; // pending token ids (no BOS)
  private int streamPos;
  private float[] buffer = new float[0];
  private int bufferRows;
  private int bufferPos;
  private long forwardTokens;
  private int epochs;

  public ModelActivationSource(
      GemmaModel model,
      GemmaTokenizer tokenizer,
      Iterable<String> corpus,
      HookPoint hook,
      int context,
      int sequencesPerForward,
      int mixRows,
      long seed) {
    if (context < 2 || sequencesPerForward < 1 || mixRows < 1) {
      throw new IllegalArgumentException("need context >= 2, sequences per forward >= 1, mix rows >= 1");
    }
    if (hook.layer() >= model.config().nLayers()) {
      throw new IllegalArgumentException(
          "layer " + hook.layer() + " does not exist: the model has " + model.config().nLayers() + " layers");
    }
    this.model = model;
    this.tokenizer = tokenizer;
    this.corpus = corpus;
    this.hook = hook;
    this.context = context;
    this.sequencesPerForward = sequencesPerForward;
    this.mixRows = mixRows;
    this.rnd = new SplittableRandom(seed);
    this.width = hook.site().width(model.config());
    this.docs = corpus.iterator();
  }

  @Override
  public int dIn() {
    return width;
  }

  /** Tokens run through the model so far (BOS included). */
  public long forwardTokens() {
    return forwardTokens;
  }

  /** Times the corpus was started over. */
  public int epochs() {
    return epochs;
  }

  @Override
  public int next(float[] into, int rows) throws IOException {
    if (bufferPos == bufferRows) {
      refill();
    }
    int n = Math.min(rows, bufferRows - bufferPos);
    System.arraycopy(buffer, bufferPos * width, into, 0, n * width);
    bufferPos += n;
    return n;
  }

  private void refill() throws IOException {
    List<float[]> parts = new ArrayList<>();
    int rows = 0;
    while (rows < mixRows) {
      List<int[]> seqs = new ArrayList<>();
      for (int s = 0; s < sequencesPerForward; s++) {
        seqs.add(nextSequence());
      }
      ForwardResult r = model.forward(seqs, CaptureSpec.of(List.of(hook.layer()), hook.site()));
      for (int s = 0; s < seqs.size(); s++) {
        Rows captured = r.capture(hook, s);
        int[] pos = captured.positions();
        int keep = 0;
        for (int p : pos) {
          keep += p == 0 ? 0 : 1;
        }
        float[] part = new float[keep * width];
        int at = 0;
        for (int i = 0; i < pos.length; i++) {
          if (pos[i] != 0) { // BOS rows have norms far from the rest and are excluded
            System.arraycopy(captured.values(), i * width, part, at * width, width);
            at++;
          }
        }
        parts.add(part);
        rows += keep;
        forwardTokens += seqs.get(s).length;
      }
    }
    buffer = new float[rows * width];
    int at = 0;
    for (float[] p : parts) {
      System.arraycopy(p, 0, buffer, at, p.length);
      at += p.length;
    }
    shuffleRows(buffer, rows);
    bufferRows = rows;
    bufferPos = 0;
  }

  private void shuffleRows(float[] b, int rows) {
    float[] tmp = new float[width];
    for (int i = rows - 1; i > 0; i--) {
      int j = rnd.nextInt(i + 1);
      if (i != j) {
        System.arraycopy(b, i * width, tmp, 0, width);
        System.arraycopy(b, j * width, b, i * width, width);
        System.arraycopy(tmp, 0, b, j * width, width);
      }
    }
  }

  /** BOS then the next {@code context - 1} tokens of the concatenated corpus. */
  private int[] nextSequence() throws IOException {
    int[] seq = new int[context];
    seq[0] = tokenizer.bosId();
    int filled = 1;
    boolean restarted = false;
    while (filled < context) {
      if (streamPos == stream.length) {
        if (!docs.hasNext()) {
          if (restarted) {
            throw new IOException("the text corpus yields no tokens");
          }
          docs = corpus.iterator();
          epochs++;
          restarted = true;
          continue;
        }
        int[] ids = tokenizer.encode(docs.next()).ids();
        stream = java.util.Arrays.copyOfRange(ids, 1, ids.length); // drop the document's own BOS
        streamPos = 0;
        restarted = false;
        continue;
      }
      int n = Math.min(context - filled, stream.length - streamPos);
      System.arraycopy(stream, streamPos, seq, filled, n);
      streamPos += n;
      filled += n;
    }
    return seq;
  }
}
