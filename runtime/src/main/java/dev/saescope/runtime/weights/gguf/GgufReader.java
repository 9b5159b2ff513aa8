package dev.saescope.runtime.weights.gguf;

import dev.saescope.runtime.weights.WeightsException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * Sequential little-endian reader over a GGUF header: integers, strings and metadata values, each
 * read checked against the file's size so a corrupt length fails naming what was being read.
 */
final class GgufReader {
  private static final long MAX_COUNT = 1L << 24;

  private final Path file;
  private final FileChannel channel;
  private final long fileSize;
  private final ByteBuffer buf = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
  private long bufStart; // file position of buf[0]

  GgufReader(Path file, FileChannel channel, long fileSize) {
    this.file = file;
    this.channel = channel;
    this.fileSize = fileSize;
    buf.limit(0);
  }

  long position() {
    return bufStart + buf.position();
  }

  private void need(int n, String what) throws WeightsException {
    if (buf.remaining() >= n) {
      return;
    }
    long pos = position();
    if (pos + n > fileSize) {
      throw new WeightsException(
          file,
          "truncated in the header: "
              + what
              + " needs bytes up to "
              + (pos + n)
              + " but the file has "
              + fileSize);
    }
    buf.compact();
    bufStart = pos; // after compact, buf[0] is the byte at pos
    try {
      while (buf.position() < n) {
        int r = channel.read(buf, pos + buf.position());
        if (r < 0) {
          throw new WeightsException(file, "unexpected end of file reading " + what);
        }
      }
    } catch (IOException e) {
      if (e instanceof WeightsException we) {
        throw we;
      }
      throw new WeightsException(file, "read failed at " + pos + ": " + e, e);
    }
    buf.flip();
  }

  int u32(String what) throws WeightsException {
    need(4, what);
    return buf.getInt();
  }

  long u64(String what) throws WeightsException {
    need(8, what);
    return buf.getLong();
  }

  long count(String what) throws WeightsException {
    long n = u64(what);
    if (n < 0 || n > MAX_COUNT) {
      throw new WeightsException(file, "implausible " + what + " " + n + " (corrupt header?)");
    }
    return n;
  }

  String string(String what) throws WeightsException {
    long len = u64("length of " + what);
    if (len < 0 || position() + len > fileSize) {
      throw new WeightsException(
          file,
          "truncated or corrupt header: "
              + what
              + " claims "
              + len
              + " bytes at position "
              + position()
              + " of "
              + fileSize);
    }
    byte[] b = new byte[(int) len];
    int done = 0;
    while (done < len) {
      int step = (int) Math.min(len - done, buf.capacity());
      need(step, what);
      buf.get(b, done, step);
      done += step;
    }
    try {
      return StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(b))
          .toString();
    } catch (CharacterCodingException e) {
      throw new WeightsException(file, what + " is not valid UTF-8");
    }
  }

  GgufValue value(String key, GgufValue.Type type, int depth) throws WeightsException {
    String what = "value of '" + key + "'";
    return switch (type) {
      case UINT8 -> new GgufValue(type, null, (long) (u8(what)));
      case INT8 -> new GgufValue(type, null, (long) (byte) u8(what));
      case UINT16 -> new GgufValue(type, null, (long) (u16(what)));
      case INT16 -> new GgufValue(type, null, (long) (short) u16(what));
      case UINT32 -> new GgufValue(type, null, u32(what) & 0xffffffffL);
      case INT32 -> new GgufValue(type, null, (long) u32(what));
      case UINT64, INT64 -> new GgufValue(type, null, u64(what));
      case FLOAT32 -> new GgufValue(type, null, (double) Float.intBitsToFloat(u32(what)));
      case FLOAT64 -> new GgufValue(type, null, Double.longBitsToDouble(u64(what)));
      case BOOL -> new GgufValue(type, null, bool(what));
      case STRING -> new GgufValue(type, null, string(what));
      case ARRAY -> array(key, depth);
    };
  }

  private int u8(String what) throws WeightsException {
    need(1, what);
    return buf.get() & 0xff;
  }

  private int u16(String what) throws WeightsException {
    need(2, what);
    return buf.getShort() & 0xffff;
  }

  private boolean bool(String what) throws WeightsException {
    int b = u8(what);
    if (b > 1) {
      throw new WeightsException(file, what + ": bool byte is " + b);
    }
    return b == 1;
  }

  private GgufValue array(String key, int depth) throws WeightsException {
    if (depth > 4) {
      throw new WeightsException(file, "metadata '" + key + "': arrays nested too deeply");
    }
    int elemId = u32("array type of '" + key + "'");
    GgufValue.Type elem = GgufValue.Type.byId(elemId);
    if (elem == null) {
      throw new WeightsException(file, "metadata '" + key + "': unknown array type " + elemId);
    }
    long n = count("length of array '" + key + "'");
    int len = (int) n;
    Object values;
    if (elem.isInteger()) {
      long[] a = new long[len];
      for (int i = 0; i < len; i++) {
        a[i] = (Long) value(key, elem, depth + 1).value();
      }
      values = a;
    } else if (elem.isFloat()) {
      double[] a = new double[len];
      for (int i = 0; i < len; i++) {
        a[i] = (Double) value(key, elem, depth + 1).value();
      }
      values = a;
    } else {
      values =
          switch (elem) {
            case BOOL -> {
              boolean[] a = new boolean[len];
              for (int i = 0; i < len; i++) {
                a[i] = bool("value of '" + key + "'");
              }
              yield a;
            }
            case STRING -> {
              String[] a = new String[len];
              for (int i = 0; i < len; i++) {
                a[i] = string("element " + i + " of '" + key + "'");
              }
              yield a;
            }
            default -> {
              GgufValue[] a = new GgufValue[len];
              for (int i = 0; i < len; i++) {
                a[i] = value(key, elem, depth + 1);
              }
              yield a;
            }
          };
    }
    return new GgufValue(GgufValue.Type.ARRAY, elem, values);
  }
}
