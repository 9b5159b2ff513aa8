package dev.saescope.runtime.sae.npy;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;

/**
 * A {@code .npz} archive: a zip of {@code NAME.npy} members, stored or deflated ({@code np.savez} /
 * {@code np.savez_compressed}). Members are read one at a time, so a 300 MB Gemma Scope file never
 * needs more than one array in memory besides the result.
 */
public final class Npz implements AutoCloseable {
  private final Path file;
  private final ZipFile zip;
  private final Map<String, ZipEntry> members;

  private Npz(Path file, ZipFile zip, Map<String, ZipEntry> members) {
    this.file = file;
    this.zip = zip;
    this.members = members;
  }

  /** Opens an archive and lists its arrays; a truncated or non-zip file fails here. */
  public static Npz open(Path file) throws NpyException {
    ZipFile zip;
    try {
      zip = new ZipFile(file.toFile());
    } catch (ZipException e) {
      throw new NpyException(
          file,
          null,
          "not a readable .npz (zip) archive, truncated or corrupt: " + e.getMessage(),
          e);
    } catch (IOException e) {
      throw new NpyException(file, null, "cannot open: " + e.getMessage(), e);
    }
    Map<String, ZipEntry> members = new LinkedHashMap<>();
    var entries = zip.entries();
    while (entries.hasMoreElements()) {
      ZipEntry e = entries.nextElement();
      if (!e.isDirectory() && e.getName().endsWith(".npy")) {
        members.put(e.getName().substring(0, e.getName().length() - 4), e);
      }
    }
    return new Npz(file, zip, Collections.unmodifiableMap(members));
  }

  public Path file() {
    return file;
  }

  /** Array names in archive order, without {@code .npy}. */
  public java.util.Set<String> names() {
    return members.keySet();
  }

  public boolean contains(String name) {
    return members.containsKey(name);
  }

  /** Reads only the header of one member: dtype and shape, to validate before reading data. */
  public Npy.Header header(String name) throws NpyException {
    try (InputStream in = member(name)) {
      return Npy.readHeader(in, file, name);
    } catch (NpyException e) {
      throw e;
    } catch (IOException e) {
      throw new NpyException(file, name, "read failed: " + e.getMessage(), e);
    }
  }

  /** Reads one member as fp32. */
  public NpyArray read(String name) throws NpyException {
    try (InputStream in = member(name)) {
      return Npy.read(in, file, name);
    } catch (NpyException e) {
      throw e;
    } catch (IOException e) {
      throw new NpyException(file, name, "read failed: " + e.getMessage(), e);
    }
  }

  private InputStream member(String name) throws NpyException {
    ZipEntry e = members.get(name);
    if (e == null) {
      throw new NpyException(file, name, "missing (archive holds " + members.keySet() + ")");
    }
    try {
      return zip.getInputStream(e);
    } catch (IOException ex) {
      throw new NpyException(file, name, "cannot open member: " + ex.getMessage(), ex);
    }
  }

  /**
   * Writes float32 arrays as an uncompressed archive, as {@code np.savez} does (stored members, so
   * a reader can also map them).
   */
  public static void write(Path file, Iterable<NpyArray> arrays) throws IOException {
    try (ZipOutputStream zip =
        new ZipOutputStream(new BufferedOutputStream(Files.newOutputStream(file), 1 << 20))) {
      for (NpyArray a : arrays) {
        ZipEntry e = new ZipEntry(a.name() + ".npy");
        e.setMethod(ZipEntry.STORED);
        long size = Npy.encodedSize(a.shape(), a.data().length);
        e.setSize(size);
        e.setCompressedSize(size);
        e.setCrc(crc(a));
        zip.putNextEntry(e);
        Npy.write(new NonClosing(zip), a.shape(), a.data());
        zip.closeEntry();
      }
    }
  }

  private static long crc(NpyArray a) {
    CRC32 crc = new CRC32();
    crc.update(Npy.headerBytes(a.shape()));
    ByteBuffer buf = ByteBuffer.allocate(1 << 20).order(ByteOrder.LITTLE_ENDIAN);
    float[] d = a.data();
    for (int at = 0; at < d.length; ) {
      int n = Math.min(buf.capacity() / 4, d.length - at);
      buf.clear();
      buf.asFloatBuffer().put(d, at, n);
      buf.limit(n * 4);
      crc.update(buf);
      at += n;
    }
    return crc.getValue();
  }

  /** Lets {@link Npy#write(OutputStream, long[], float[])} write into a zip entry. */
  private static final class NonClosing extends OutputStream {
    private final OutputStream out;

    NonClosing(OutputStream out) {
      this.out = out;
    }

    @Override
    public void write(int b) throws IOException {
      out.write(b);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      out.write(b, off, len);
    }
  }

  @Override
  public void close() {
    try {
      zip.close();
    } catch (IOException ignored) {
      // read-only archive: nothing was left unwritten
    }
  }
}
