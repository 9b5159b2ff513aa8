package dev.saescope.aggregator.cards;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Bytes of cards and batches for state stores and the repartition topic (DataOutput: big-endian,
 * modified UTF-8 strings). Internal to the aggregator: only its own instances read them.
 *
 * <p>Version 3 (written): a card is a header (version, latent, fires, max, the histogram's
 * non-empty bins, the number of contexts) and then each context behind its byte length: value,
 * position, task id and item id, value and position first, so {@link CardBytes#merge} merges two
 * cards without decoding their strings. A batch is its run, SAE, layer and positions, then each
 * card's bytes behind their length. Versions 1 (the fields in record order) and 2 (as 3, each
 * context with its token window) are still read, their windows dropped, so state written before
 * restores.
 */
public final class CardCodec {
  static final byte V1 = 1;
  static final byte V2 = 2;
  static final byte VERSION = 3;

  private CardCodec() {}

  public static byte[] card(LatentCard c) {
    return write(512, out -> writeCard(out, c, Scratch.create()));
  }

  public static LatentCard card(byte[] bytes) {
    return read(bytes, in -> bytes[0] == V1 ? readCardV1(in) : readCard(in, bytes[0] == V2));
  }

  /** Card bytes of the current version: {@code bytes} themselves when they already are. */
  public static byte[] current(byte[] bytes) {
    return bytes.length > 0 && bytes[0] == VERSION ? bytes : card(card(bytes));
  }

  /** A batch's bytes: each card written into one reused buffer, then behind its length. */
  public static byte[] batch(LatentBatch b) {
    Scratch card = Scratch.create();
    Scratch contexts = Scratch.create();
    return write(
        64 + 96 * b.cards().size(),
        out -> {
          writeBatchHeader(out, b.runId(), b.saeId(), b.layer(), b.positions(), b.cards().size());
          for (LatentCard c : b.cards()) {
            card.bytes().reset();
            card.out().writeByte(VERSION);
            writeCard(card.out(), c, contexts);
            card.out().flush();
            out.writeInt(card.bytes().size());
            card.bytes().writeTo(out);
          }
        });
  }

  /** A buffer to write into and reset, so a batch of a thousand cards allocates two, not 2,000. */
  private record Scratch(ByteArrayOutputStream bytes, DataOutputStream out) {
    static Scratch create() {
      ByteArrayOutputStream b = new ByteArrayOutputStream(256);
      return new Scratch(b, new DataOutputStream(b));
    }
  }

  public static LatentBatch batch(byte[] bytes) {
    BatchBytes b = batchBytes(bytes);
    List<LatentCard> cards = new ArrayList<>(b.cards().size());
    for (byte[] c : b.cards()) {
      cards.add(card(c));
    }
    return new LatentBatch(b.runId(), b.saeId(), b.layer(), b.positions(), cards);
  }

  /**
   * A batch whose cards stay bytes (current version), for merging into stored cards.
   *
   * @param cards each card's bytes, by latent index
   */
  public record BatchBytes(
      String runId, String saeId, int layer, long positions, List<byte[]> cards) {}

  public static BatchBytes batchBytes(byte[] bytes) {
    return read(
        bytes,
        in -> {
          String run = in.readUTF();
          String sae = in.readUTF();
          int layer = in.readInt();
          long positions = in.readLong();
          int n = in.readInt();
          List<byte[]> cards = new ArrayList<>(n);
          for (int i = 0; i < n; i++) {
            if (bytes[0] == V1) {
              cards.add(card(readCardV1(in)));
            } else {
              byte[] c = new byte[in.readInt()];
              in.readFully(c);
              cards.add(current(c));
            }
          }
          return new BatchBytes(run, sae, layer, positions, cards);
        });
  }

  private static void writeBatchHeader(
      DataOutputStream out, String run, String sae, int layer, long positions, int cards)
      throws IOException {
    out.writeUTF(run);
    out.writeUTF(sae);
    out.writeInt(layer);
    out.writeLong(positions);
    out.writeInt(cards);
  }

  /** A card after its version byte; each context goes through {@code context} for its length. */
  private static void writeCard(DataOutputStream out, LatentCard c, Scratch context)
      throws IOException {
    out.writeInt(c.latent());
    out.writeLong(c.fires());
    out.writeFloat(c.max());
    writeHistogram(out, c.histogram());
    out.writeInt(c.top().size());
    for (LatentContext x : c.top()) {
      context.bytes().reset();
      writeContext(context.out(), x);
      context.out().flush();
      out.writeInt(context.bytes().size());
      context.bytes().writeTo(out);
    }
  }

  /**
   * Only the bins that are not empty, as {@code [bins][bin, count]...} (a byte each, then a long):
   * a result's card fills one or two of the 42 bins, and 42 longs would be a third of its bytes.
   */
  static void writeHistogram(DataOutputStream out, long[] histogram) throws IOException {
    int bins = 0;
    for (long h : histogram) {
      bins += h == 0 ? 0 : 1;
    }
    out.writeByte(bins);
    for (int b = 0; b < histogram.length; b++) {
      if (histogram[b] != 0) {
        out.writeByte(b);
        out.writeLong(histogram[b]);
      }
    }
  }

  static long[] readHistogram(DataInputStream in) throws IOException {
    long[] h = new long[Histogram.BINS];
    int bins = in.readUnsignedByte();
    for (int i = 0; i < bins; i++) {
      int b = in.readUnsignedByte();
      if (b >= h.length) {
        throw new IOException("histogram bin " + b + " of " + h.length);
      }
      h[b] = in.readLong();
    }
    return h;
  }

  /** Value and position first, then task id: what {@link LatentContext#STRONGEST_FIRST} reads. */
  private static void writeContext(DataOutputStream out, LatentContext x) throws IOException {
    out.writeFloat(x.value());
    out.writeInt(x.position());
    out.writeUTF(x.taskId());
    out.writeUTF(x.itemId());
  }

  /** A card of version 3, or of version 2 when {@code windows}: its token windows are skipped. */
  private static LatentCard readCard(DataInputStream in, boolean windows) throws IOException {
    int latent = in.readInt();
    long fires = in.readLong();
    float max = in.readFloat();
    long[] h = readHistogram(in);
    int n = in.readInt();
    List<LatentContext> top = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      in.readInt(); // the context's length, for readers that skip it
      float v = in.readFloat();
      int position = in.readInt();
      String task = in.readUTF();
      String item = in.readUTF();
      if (windows) {
        in.readInt(); // the activating token's index in the window
        skipTokens(in);
      }
      top.add(new LatentContext(v, task, item, position));
    }
    return new LatentCard(latent, fires, max, top, h);
  }

  private static LatentCard readCardV1(DataInputStream in) throws IOException {
    int latent = in.readInt();
    long fires = in.readLong();
    float max = in.readFloat();
    int n = in.readInt();
    List<LatentContext> top = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      float v = in.readFloat();
      String task = in.readUTF();
      String item = in.readUTF();
      int position = in.readInt();
      in.readInt(); // the activating token's index in the window
      skipTokens(in);
      top.add(new LatentContext(v, task, item, position));
    }
    long[] h = new long[Histogram.BINS];
    for (int i = 0; i < h.length; i++) {
      h[i] = in.readLong();
    }
    return new LatentCard(latent, fires, max, top, h);
  }

  /** A token window of versions 1 and 2: its length, then each string. */
  private static void skipTokens(DataInputStream in) throws IOException {
    int k = in.readInt();
    for (int j = 0; j < k; j++) {
      in.readUTF();
    }
  }

  private interface Writer {
    void write(DataOutputStream out) throws IOException;
  }

  private interface Reader<T> {
    T read(DataInputStream in) throws IOException;
  }

  private static byte[] write(int expectedBytes, Writer w) {
    try {
      ByteArrayOutputStream bytes = new ByteArrayOutputStream(expectedBytes);
      DataOutputStream out = new DataOutputStream(bytes);
      out.writeByte(VERSION);
      w.write(out);
      out.flush();
      return bytes.toByteArray();
    } catch (IOException e) {
      throw new UncheckedIOException(e); // a byte array never fails to write
    }
  }

  private static <T> T read(byte[] bytes, Reader<T> r) {
    try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
      byte v = in.readByte();
      if (v < V1 || v > VERSION) {
        throw new IllegalArgumentException(
            "latent card bytes of version " + v + ", expected " + V1 + " to " + VERSION);
      }
      return r.read(in);
    } catch (IOException e) {
      throw new IllegalArgumentException("corrupt latent card bytes: " + e.getMessage(), e);
    }
  }
}
