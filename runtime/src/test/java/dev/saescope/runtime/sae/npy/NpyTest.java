package dev.saescope.runtime.sae.npy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NpyTest {
  @TempDir Path dir;

  @Test
  void roundTripsFloat32() throws IOException {
    float[] data = {1, 2, 3, 4, 5, 6};
    Path f = dir.resolve("a.npy");
    Npy.write(f, new long[] {2, 3}, data);
    NpyArray a = Npy.read(f);
    assertArrayEquals(new long[] {2, 3}, a.shape());
    assertArrayEquals(data, a.data());
    assertTrue(
        (Files.size(f) - 24) % 64 == 0, "header padded to a multiple of 64 bytes as numpy does");
  }

  @Test
  void readsVersion2And3HeadersAndFloat64() throws IOException {
    for (int version : new int[] {1, 2, 3}) {
      Path f = dir.resolve("v" + version + ".npy");
      Files.write(f, raw(version, "<f8", "(3,)", doubles(0.5, -1.25, 3)));
      assertArrayEquals(new float[] {0.5f, -1.25f, 3f}, Npy.read(f).data(), "version " + version);
    }
  }

  @Test
  void rejectsOtherDtypesNamingThem() throws IOException {
    Path f = dir.resolve("ints.npy");
    Files.write(f, raw(1, "<i4", "(2,)", new byte[8]));
    var e = assertThrows(NpyException.class, () -> Npy.read(f));
    assertTrue(
        e.getMessage().contains("ints.npy") && e.getMessage().contains("'<i4'"), e.getMessage());
    Path g = dir.resolve("big.npy");
    Files.write(g, raw(1, ">f4", "(2,)", new byte[8]));
    assertThrows(NpyException.class, () -> Npy.read(g));
  }

  @Test
  void rejectsFortranOrder() throws IOException {
    Path f = dir.resolve("f.npy");
    byte[] header = header(1, "{'descr': '<f4', 'fortran_order': True, 'shape': (2, 2), }");
    Files.write(f, concat(header, new byte[16]));
    var e = assertThrows(NpyException.class, () -> Npy.read(f));
    assertTrue(e.getMessage().contains("Fortran"), e.getMessage());
  }

  @Test
  void truncatedDataNamesFileArrayAndSizes() throws IOException {
    Path f = dir.resolve("t.npy");
    Npy.write(f, new long[] {4, 4}, new float[16]);
    byte[] all = Files.readAllBytes(f);
    Files.write(f, Arrays.copyOf(all, all.length - 10));
    var e = assertThrows(NpyException.class, () -> Npy.read(f));
    assertTrue(
        e.getMessage().contains("t.npy")
            && e.getMessage().contains("truncated")
            && e.getMessage().contains("64 bytes"),
        e.getMessage());
    Files.write(f, Arrays.copyOf(all, 5));
    assertThrows(NpyException.class, () -> Npy.read(f));
  }

  @Test
  void nanAndInfinityNameTheirPosition() throws IOException {
    Path f = dir.resolve("nan.npy");
    float[] d = new float[6];
    d[4] = Float.NaN;
    Npy.write(f, new long[] {2, 3}, d);
    var e = assertThrows(NpyException.class, () -> Npy.read(f));
    assertTrue(
        e.getMessage().contains("NaN") && e.getMessage().contains("row 1, column 1"),
        e.getMessage());
    d[4] = Float.POSITIVE_INFINITY;
    Npy.write(f, new long[] {2, 3}, d);
    assertThrows(NpyException.class, () -> Npy.read(f));
  }

  @Test
  void badMagicIsNotAnArray() throws IOException {
    Path f = dir.resolve("text.npy");
    Files.writeString(f, "hello, this is not numpy");
    var e = assertThrows(NpyException.class, () -> Npy.read(f));
    assertTrue(e.getMessage().contains("magic"), e.getMessage());
  }

  @Test
  void npzRoundTripAndMissingMember() throws IOException {
    Path f = dir.resolve("p.npz");
    Npz.write(
        f,
        List.of(
            new NpyArray("W", new long[] {2, 2}, new float[] {1, 2, 3, 4}),
            new NpyArray("b", new long[] {2}, new float[] {5, 6})));
    try (Npz npz = Npz.open(f)) {
      assertArrayEquals(new float[] {5, 6}, npz.read("b").data());
      assertArrayEquals(new long[] {2, 2}, npz.header("W").shape());
      var e = assertThrows(NpyException.class, () -> npz.read("threshold"));
      assertTrue(
          e.getMessage().contains("p.npz")
              && e.getMessage().contains("'threshold'")
              && e.getMessage().contains("missing"),
          e.getMessage());
    }
  }

  @Test
  void truncatedNpzFailsAtOpen() throws IOException {
    Path f = dir.resolve("cut.npz");
    Npz.write(f, List.of(new NpyArray("W", new long[] {64}, new float[64])));
    byte[] all = Files.readAllBytes(f);
    Files.write(f, Arrays.copyOf(all, all.length / 2));
    var e = assertThrows(NpyException.class, () -> Npz.open(f));
    assertTrue(
        e.getMessage().contains("cut.npz") && e.getMessage().contains("truncated"), e.getMessage());
  }

  @Test
  void truncatedMemberInsideAValidArchive() throws IOException {
    Path f = dir.resolve("member.npz");
    ByteArrayOutputStream npy = new ByteArrayOutputStream();
    Npy.write(npy, new long[] {8}, new float[8]);
    byte[] cut = Arrays.copyOf(npy.toByteArray(), npy.size() - 12);
    try (ZipOutputStream z = new ZipOutputStream(Files.newOutputStream(f))) {
      z.putNextEntry(new ZipEntry("W_enc.npy"));
      z.write(cut);
      z.closeEntry();
    }
    try (Npz npz = Npz.open(f)) {
      var e = assertThrows(NpyException.class, () -> npz.read("W_enc"));
      assertTrue(
          e.getMessage().contains("'W_enc'") && e.getMessage().contains("truncated"),
          e.getMessage());
    }
  }

  static byte[] raw(int version, String descr, String shape, byte[] data) {
    return concat(
        header(
            version,
            "{'descr': '" + descr + "', 'fortran_order': False, 'shape': " + shape + ", }"),
        data);
  }

  static byte[] header(int version, String dict) {
    byte[] d = (dict + "\n").getBytes(StandardCharsets.ISO_8859_1);
    int lenBytes = version == 1 ? 2 : 4;
    ByteBuffer b = ByteBuffer.allocate(8 + lenBytes + d.length).order(ByteOrder.LITTLE_ENDIAN);
    b.put(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', (byte) version, 0});
    if (lenBytes == 2) {
      b.putShort((short) d.length);
    } else {
      b.putInt(d.length);
    }
    return b.put(d).array();
  }

  static byte[] doubles(double... v) {
    ByteBuffer b = ByteBuffer.allocate(8 * v.length).order(ByteOrder.LITTLE_ENDIAN);
    for (double x : v) {
      b.putDouble(x);
    }
    return b.array();
  }

  static byte[] concat(byte[] a, byte[] b) {
    byte[] out = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }
}
