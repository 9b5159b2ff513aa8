package dev.saescope.aggregator.cards;

import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * {@link LatentCard#merge} on card bytes ({@link CardCodec} version 3), for the stream's card
 * stage: counts and histogram added from the header, the strongest contexts picked by value, task
 * id and position and copied as bytes. A task id is decoded only when two values tie, so a merge
 * costs about one copy of the card. The result's bytes equal those of {@code
 * CardCodec.card(a.merge(b))}: a function of the activations merged in, whatever their order.
 */
public final class CardBytes {
  private static final int LATENT_AT = 1;
  private static final int FIRES_AT = LATENT_AT + Integer.BYTES;
  private static final int MAX_AT = FIRES_AT + Long.BYTES;
  private static final int HISTOGRAM_AT = MAX_AT + Float.BYTES; // [bins][bin, count]...
  private static final int BIN_BYTES = 1 + Long.BYTES;

  // Within a context, after its length: value, position, task id (CardCodec.writeContext).
  private static final int VALUE_AT = Integer.BYTES;
  private static final int POSITION_AT = VALUE_AT + Float.BYTES;
  private static final int TASK_AT = POSITION_AT + Integer.BYTES;

  private CardBytes() {}

  /** The latent index of card bytes. */
  public static int latent(byte[] card) {
    return ByteBuffer.wrap(card).getInt(LATENT_AT);
  }

  /** The card of {@code a} and {@code b}'s activations together (cards of the same latent). */
  public static byte[] merge(byte[] a, byte[] b) {
    a = CardCodec.current(a);
    b = CardCodec.current(b);
    ByteBuffer x = ByteBuffer.wrap(a);
    ByteBuffer y = ByteBuffer.wrap(b);
    if (x.getInt(LATENT_AT) != y.getInt(LATENT_AT)) {
      throw new IllegalArgumentException(
          "merging latent " + y.getInt(LATENT_AT) + " into " + x.getInt(LATENT_AT));
    }
    int[] ca = contexts(a, x, countAt(a));
    int[] cb = contexts(b, y, countAt(b));
    long[] h = histogram(x);
    long[] hb = histogram(y);
    int bins = 0;
    for (int i = 0; i < h.length; i++) {
      h[i] += hb[i];
      bins += h[i] == 0 ? 0 : 1;
    }
    // The strongest TOP of both lists, each strongest first: a merge of two sorted lists.
    int[] pickedAt = new int[Math.min(LatentCard.TOP, ca.length + cb.length)];
    boolean[] fromA = new boolean[pickedAt.length];
    int size = HISTOGRAM_AT + 1 + bins * BIN_BYTES + Integer.BYTES;
    for (int k = 0, i = 0, j = 0; k < pickedAt.length; k++) {
      boolean takeA = j == cb.length || (i < ca.length && compare(a, ca[i], b, cb[j]) <= 0);
      fromA[k] = takeA;
      pickedAt[k] = takeA ? ca[i++] : cb[j++];
      size += Integer.BYTES + (takeA ? x : y).getInt(pickedAt[k]);
    }
    byte[] out = new byte[size];
    ByteBuffer o = ByteBuffer.wrap(out);
    o.put(a, 0, FIRES_AT);
    o.putLong(x.getLong(FIRES_AT) + y.getLong(FIRES_AT));
    o.putFloat(Math.max(x.getFloat(MAX_AT), y.getFloat(MAX_AT)));
    o.put((byte) bins);
    for (int i = 0; i < h.length; i++) {
      if (h[i] != 0) {
        o.put((byte) i).putLong(h[i]);
      }
    }
    o.putInt(pickedAt.length);
    for (int k = 0; k < pickedAt.length; k++) {
      byte[] src = fromA[k] ? a : b;
      o.put(src, pickedAt[k], Integer.BYTES + (fromA[k] ? x : y).getInt(pickedAt[k]));
    }
    return out;
  }

  /** Where the number of contexts is: after the histogram's non-empty bins. */
  private static int countAt(byte[] card) {
    if (card.length <= HISTOGRAM_AT) {
      throw new IllegalArgumentException("corrupt latent card bytes: " + card.length + " bytes");
    }
    return HISTOGRAM_AT + 1 + (card[HISTOGRAM_AT] & 0xff) * BIN_BYTES;
  }

  /** The histogram of card bytes, every bin (its bounds checked by {@link #contexts}). */
  private static long[] histogram(ByteBuffer in) {
    long[] h = new long[Histogram.BINS];
    int bins = in.get(HISTOGRAM_AT) & 0xff;
    for (int i = 0, at = HISTOGRAM_AT + 1; i < bins; i++, at += BIN_BYTES) {
      int b = in.get(at) & 0xff;
      if (b >= h.length) {
        throw new IllegalArgumentException("corrupt latent card bytes: histogram bin " + b);
      }
      h[b] = in.getLong(at + 1);
    }
    return h;
  }

  /** Where each context starts (at its length). */
  private static int[] contexts(byte[] card, ByteBuffer in, int countAt) {
    if (countAt + Integer.BYTES > card.length) {
      throw new IllegalArgumentException("corrupt latent card bytes: " + card.length + " bytes");
    }
    int n = in.getInt(countAt);
    if (n < 0 || n > LatentCard.TOP) {
      throw new IllegalArgumentException("corrupt latent card bytes: " + n + " contexts");
    }
    int[] at = new int[n];
    int p = countAt + Integer.BYTES;
    for (int i = 0; i < n; i++) {
      int len = p + Integer.BYTES <= card.length ? in.getInt(p) : -1;
      if (len < TASK_AT - Integer.BYTES || p + Integer.BYTES + len > card.length) {
        throw new IllegalArgumentException(
            "corrupt latent card bytes: context " + i + " of " + len + " bytes");
      }
      at[i] = p;
      p += Integer.BYTES + len;
    }
    return at;
  }

  /** {@link LatentContext#STRONGEST_FIRST} on two encoded contexts. */
  private static int compare(byte[] a, int at, byte[] b, int bt) {
    ByteBuffer x = ByteBuffer.wrap(a);
    ByteBuffer y = ByteBuffer.wrap(b);
    int c = Double.compare(-x.getFloat(at + VALUE_AT), -y.getFloat(bt + VALUE_AT));
    if (c != 0) {
      return c;
    }
    c = utf(a, at + TASK_AT).compareTo(utf(b, bt + TASK_AT));
    if (c != 0) {
      return c;
    }
    return Integer.compare(x.getInt(at + POSITION_AT), y.getInt(bt + POSITION_AT));
  }

  private static String utf(byte[] bytes, int at) {
    try {
      return new DataInputStream(new ByteArrayInputStream(bytes, at, bytes.length - at)).readUTF();
    } catch (IOException e) {
      throw new IllegalArgumentException("corrupt latent card bytes: " + e.getMessage(), e);
    }
  }
}
