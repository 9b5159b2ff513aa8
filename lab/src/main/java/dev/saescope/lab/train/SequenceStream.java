package dev.saescope.lab.train;

import java.io.IOException;
import java.util.Iterator;
import java.util.function.Function;

/**
 * Cuts a text corpus into model inputs: documents are tokenized ({@code tokenize} returns ids
 * without BOS), concatenated into one stream, and cut into sequences of {@code context} tokens that
 * each start with BOS. The corpus is cycled when exhausted; {@link #epochs()} counts restarts.
 */
public final class SequenceStream {
  private final Iterable<String> corpus;
  private final Function<String, int[]> tokenize;
  private final int bosId;
  private final int context;
  private Iterator<String> docs;
  private int[] stream = new int[0];
  private int streamPos;
  private int epochs;

  public SequenceStream(
      Iterable<String> corpus, Function<String, int[]> tokenize, int bosId, int context) {
    if (context < 2) {
      throw new IllegalArgumentException(
          "context must be >= 2 (BOS and one token), got " + context);
    }
    this.corpus = corpus;
    this.tokenize = tokenize;
    this.bosId = bosId;
    this.context = context;
    this.docs = corpus.iterator();
  }

  /** Times the corpus was started over. */
  public int epochs() {
    return epochs;
  }

  /** BOS then the next {@code context - 1} tokens. */
  public int[] next() throws IOException {
    int[] seq = new int[context];
    seq[0] = bosId;
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
        stream = tokenize.apply(docs.next());
        streamPos = 0;
        if (stream.length > 0) {
          restarted = false;
        }
        continue;
      }
      int n = Math.min(context - filled, stream.length - streamPos);
      System.arraycopy(stream, streamPos, seq, filled, n);
      streamPos += n;
      filled += n;
    }
    return seq;
  }

  /** Whether a whole pass over the corpus has been consumed. */
  public boolean wrapped() {
    return epochs > 0;
  }
}
