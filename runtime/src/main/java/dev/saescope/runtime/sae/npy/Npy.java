package dev.saescope.runtime.sae.npy;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads and writes the {@code .npy} format, versions 1.0, 2.0 and 3.0: the magic {@code \x93NUMPY},
 * a version, a little-endian header length (2 bytes in 1.0, 4 bytes after), a Python dict literal
 * {@code {'descr': '<f4', 'fortran_order': False, 'shape': (r, c), }}, then the raw data
 * (numpy/lib/format.py, "Format Version 1.0" to "3.0").
 *
 * <p>Only what SAEs and activation dumps use is accepted: little-endian {@code f4}/{@code f8} in C
 * order. Every value must be finite: a NaN weight or input is an error, not a silent zero.
 */
public final class Npy {
  private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
  private static final int CHUNK = 1 << 20;
  private static final Pattern DESCR = Pattern.compile("'descr'\\s*:\\s*'([^']*)'");
  private static final Pattern FORTRAN = Pattern.compile("'fortran_order'\\s*:\\s*(True|False)");
  private static final Pattern SHAPE = Pattern.compile("'shape'\\s*:\\s*\\(([^)]*)\\)");

  private Npy() {}

  /** The parsed header: element type and shape. */
  public record Header(ElementType type, long[] shape) {
    public long size() {
      long n = 1;
      for (long d : shape) {
        n *= d;
      }
      return n;
    }
  }

  /** Element types we convert to fp32. */
  public enum ElementType {
    F4(4),
    F8(8);

    final int bytes;

    ElementType(int bytes) {
      this.bytes = bytes;
    }
  }

  /** Reads a whole {@code .npy} file; the array is named after the file. */
  public static NpyArray read(Path file) throws NpyException {
    String name = file.getFileName().toString().replaceFirst("\\.npy$", "");
    try (InputStream in = Files.newInputStream(file)) {
      return read(in, file, name);
    } catch (NpyException e) {
      throw e;
    } catch (IOException e) {
      throw new NpyException(file, name, "cannot read: " + e.getMessage(), e);
    }
  }

  /**
   * Reads one array from a stream positioned at its magic string.
   *
   * @param file the file the stream belongs to, for messages
   * @param name the array's name, for messages
   */
  public static NpyArray read(InputStream in, Path file, String name) throws NpyException {
    Header header = readHeader(in, file, name);
    long n = header.size();
    if (n > Integer.MAX_VALUE - 8) {
      throw new NpyException(file, name, "too large for one Java array: " + n + " elements");
    }
    float[] out = new float[(int) n];
    long totalBytes = n * header.type().bytes;
    byte[] chunk = new byte[(int) Math.min(CHUNK, Math.max(totalBytes, 8))];
    long done = 0;
    int at = 0;
    try {
      while (done < totalBytes) {
        int want = (int) Math.min(chunk.length, totalBytes - done);
        int got = in.readNBytes(chunk, 0, want);
        if (got < want) {
          throw new NpyException(
              file,
              name,
              "truncated: shape "
                  + java.util.Arrays.toString(header.shape())
                  + " needs "
                  + totalBytes
                  + " bytes of data, found "
                  + (done + got));
        }
        ByteBuffer buf = ByteBuffer.wrap(chunk, 0, want).order(ByteOrder.LITTLE_ENDIAN);
        switch (header.type()) {
          case F4 -> {
            int count = want / 4;
            buf.asFloatBuffer().get(out, at, count);
            at += count;
          }
          case F8 -> {
            int count = want / 8;
            for (int i = 0; i < count; i++) {
              out[at++] = (float) buf.getDouble();
            }
          }
        }
        done += want;
      }
    } catch (NpyException e) {
      throw e;
    } catch (IOException e) {
      throw new NpyException(file, name, "read failed: " + e.getMessage(), e);
    }
    requireFinite(file, name, header.shape(), out);
    return new NpyArray(name, header.shape(), out);
  }

  /** Reads and validates the header, leaving the stream at the first data byte. */
  public static Header readHeader(InputStream in, Path file, String name) throws NpyException {
    try {
      byte[] magic = in.readNBytes(8);
      if (magic.length < 8) {
        throw new NpyException(file, name, "truncated: " + magic.length + " bytes, no .npy header");
      }
      for (int i = 0; i < MAGIC.length; i++) {
        if (magic[i] != MAGIC[i]) {
          throw new NpyException(file, name, "not a .npy array (bad magic string)");
        }
      }
      int major = magic[6] & 0xff;
      int lenBytes =
          switch (major) {
            case 1 -> 2;
            case 2, 3 -> 4;
            default -> throw new NpyException(file, name, "unsupported .npy version " + major);
          };
      byte[] lenRaw = in.readNBytes(lenBytes);
      if (lenRaw.length < lenBytes) {
        throw new NpyException(file, name, "truncated inside the .npy header");
      }
      ByteBuffer lb = ByteBuffer.wrap(lenRaw).order(ByteOrder.LITTLE_ENDIAN);
      long headerLen = lenBytes == 2 ? lb.getShort() & 0xffff : lb.getInt() & 0xffffffffL;
      if (headerLen > 1 << 20) {
        throw new NpyException(file, name, "implausible .npy header length " + headerLen);
      }
      byte[] raw = in.readNBytes((int) headerLen);
      if (raw.length < headerLen) {
        throw new NpyException(file, name, "truncated inside the .npy header");
      }
      // Versions 1 and 2 are latin-1, version 3 is UTF-8; the fields we read are ASCII either way.
      String dict =
          new String(raw, major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
      return parseHeader(dict, file, name);
    } catch (NpyException e) {
      throw e;
    } catch (IOException e) {
      throw new NpyException(file, name, "read failed: " + e.getMessage(), e);
    }
  }

  static Header parseHeader(String dict, Path file, String name) throws NpyException {
    Matcher descr = DESCR.matcher(dict);
    Matcher fortran = FORTRAN.matcher(dict);
    Matcher shape = SHAPE.matcher(dict);
    if (!descr.find() || !fortran.find() || !shape.find()) {
      throw new NpyException(file, name, "malformed .npy header " + dict.trim());
    }
    ElementType type =
        switch (descr.group(1)) {
          case "<f4" -> ElementType.F4;
          case "<f8" -> ElementType.F8;
          default ->
              throw new NpyException(
                  file,
                  name,
                  "unsupported dtype '"
                      + descr.group(1)
                      + "' (expected float32 '<f4' or float64 '<f8')");
        };
    if (fortran.group(1).equals("True")) {
      throw new NpyException(
          file, name, "Fortran-ordered arrays are not supported (save with C order)");
    }
    List<Long> dims = new ArrayList<>();
    for (String part : shape.group(1).split(",")) {
      String p = part.trim();
      if (p.isEmpty()) {
        continue;
      }
      try {
        long d = Long.parseLong(p.replace("L", ""));
        if (d < 0) {
          throw new NumberFormatException(p);
        }
        dims.add(d);
      } catch (NumberFormatException e) {
        throw new NpyException(file, name, "bad shape (" + shape.group(1) + ")");
      }
    }
    return new Header(type, dims.stream().mapToLong(Long::longValue).toArray());
  }

  private static void requireFinite(Path file, String name, long[] shape, float[] data)
      throws NpyException {
    for (int i = 0; i < data.length; i++) {
      if (!Float.isFinite(data[i])) {
        long cols = shape.length >= 2 ? shape[shape.length - 1] : 0;
        String where = cols > 0 ? "row " + (i / cols) + ", column " + (i % cols) : "element " + i;
        throw new NpyException(file, name, "contains " + data[i] + " at " + where);
      }
    }
  }

  /** Writes a float32 C-order {@code .npy} (version 1.0), as numpy's {@code np.save} would. */
  public static void write(Path file, long[] shape, float[] data) throws IOException {
    try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file), CHUNK)) {
      write(out, shape, data);
    }
  }

  /** Writes a float32 C-order {@code .npy} (version 1.0) to a stream. */
  public static void write(OutputStream out, long[] shape, float[] data) throws IOException {
    writeHeader(out, shape);
    writeData(out, data, 0, data.length);
  }

  /**
   * Writes only the header; follow with {@link #writeData} calls that add up to the shape, to
   * stream an array larger than memory.
   */
  public static void writeHeader(OutputStream out, long[] shape) throws IOException {
    out.write(headerBytes(shape));
  }

  /** Appends {@code data[from, from+count)} as little-endian float32. */
  public static void writeData(OutputStream out, float[] data, int from, int count)
      throws IOException {
    ByteBuffer buf = ByteBuffer.allocate(CHUNK).order(ByteOrder.LITTLE_ENDIAN);
    for (int at = from; at < from + count; ) {
      int n = Math.min(CHUNK / 4, from + count - at);
      buf.clear();
      buf.asFloatBuffer().put(data, at, n);
      out.write(buf.array(), 0, n * 4);
      at += n;
    }
  }

  /** Number of bytes {@link #write} produces. */
  public static long encodedSize(long[] shape, int floats) {
    return headerBytes(shape).length + 4L * floats;
  }

  static byte[] headerBytes(long[] shape) {
    StringBuilder dims = new StringBuilder();
    for (long d : shape) {
      dims.append(d).append(", ");
    }
    String tuple =
        shape.length == 1
            ? "(" + shape[0] + ",)"
            : "(" + dims.toString().replaceAll(", $", "") + ")";
    String dict = "{'descr': '<f4', 'fortran_order': False, 'shape': " + tuple + ", }";
    // numpy pads magic + length + dict + '\n' to a multiple of 64 bytes so the data is aligned.
    int unpadded = MAGIC.length + 2 + 2 + dict.length() + 1;
    int pad = (64 - unpadded % 64) % 64;
    String padded = dict + " ".repeat(pad) + "\n";
    ByteBuffer b =
        ByteBuffer.allocate(MAGIC.length + 4 + padded.length()).order(ByteOrder.LITTLE_ENDIAN);
    b.put(MAGIC).put((byte) 1).put((byte) 0).putShort((short) padded.length());
    b.put(padded.getBytes(StandardCharsets.ISO_8859_1));
    return b.array();
  }
}
