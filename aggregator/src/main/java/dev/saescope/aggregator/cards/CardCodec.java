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
 * Bytes of cards and batches for state stores and the repartition topic: a version byte, then the
 * fields in order (DataOutput: big-endian, modified UTF-8 strings). Internal to the aggregator:
 * only its own instances of the same version read them.
 */
public final class CardCodec {
  private static final byte VERSION = 1;

  private CardCodec() {}

  public static byte[] card(LatentCard c) {
    return write(out -> writeCard(out, c));
  }

  public static LatentCard card(byte[] bytes) {
    return read(bytes, CardCodec::readCard);
  }

  public static byte[] batch(LatentBatch b) {
    return write(
        out -> {
          out.writeUTF(b.runId());
          out.writeUTF(b.saeId());
          out.writeInt(b.layer());
          out.writeLong(b.positions());
          out.writeInt(b.cards().size());
          for (LatentCard c : b.cards()) {
            writeCard(out, c);
          }
        });
  }

  public static LatentBatch batch(byte[] bytes) {
    return read(
        bytes,
        in -> {
          String run = in.readUTF();
          String sae = in.readUTF();
          int layer = in.readInt();
          long positions = in.readLong();
          int n = in.readInt();
          List<LatentCard> cards = new ArrayList<>(n);
          for (int i = 0; i < n; i++) {
            cards.add(readCard(in));
          }
          return new LatentBatch(run, sae, layer, positions, cards);
        });
  }

  private static void writeCard(DataOutputStream out, LatentCard c) throws IOException {
    out.writeInt(c.latent());
    out.writeLong(c.fires());
    out.writeFloat(c.max());
    out.writeInt(c.top().size());
    for (LatentContext x : c.top()) {
      out.writeFloat(x.value());
      out.writeUTF(x.taskId());
      out.writeUTF(x.itemId());
      out.writeInt(x.position());
      out.writeInt(x.at());
      out.writeInt(x.tokens().size());
      for (String t : x.tokens()) {
        out.writeUTF(t);
      }
    }
    for (long h : c.histogram()) {
      out.writeLong(h);
    }
  }

  private static LatentCard readCard(DataInputStream in) throws IOException {
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
      int at = in.readInt();
      int k = in.readInt();
      List<String> tokens = new ArrayList<>(k);
      for (int j = 0; j < k; j++) {
        tokens.add(in.readUTF());
      }
      top.add(new LatentContext(v, task, item, position, tokens, at));
    }
    long[] h = new long[Histogram.BINS];
    for (int i = 0; i < h.length; i++) {
      h[i] = in.readLong();
    }
    return new LatentCard(latent, fires, max, top, h);
  }

  private interface Writer {
    void write(DataOutputStream out) throws IOException;
  }

  private interface Reader<T> {
    T read(DataInputStream in) throws IOException;
  }

  private static byte[] write(Writer w) {
    try {
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
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
      if (v != VERSION) {
        throw new IllegalArgumentException(
            "latent card bytes of version " + v + ", expected " + VERSION);
      }
      return r.read(in);
    } catch (IOException e) {
      throw new IllegalArgumentException("corrupt latent card bytes: " + e.getMessage(), e);
    }
  }
}
