package dev.saescope.lab.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.saescope.runtime.sae.npy.Npy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** sae-encode refuses an --out it cannot write before any work, and never leaves a temp file. */
class SaeEncodeCommandTest {
  @TempDir Path tmp;
  Path sae;
  Path input;

  @BeforeEach
  void saeAndInput() throws Exception {
    sae = SaeEvalCommandTest.tinySae(tmp.resolve("sae"), 8, 16);
    float[] x = new float[3 * 8];
    for (int i = 0; i < x.length; i++) {
      x[i] = (i % 5) - 2;
    }
    input = tmp.resolve("x.npy");
    Npy.write(input, new long[] {3, 8}, x);
  }

  private CommandRun encode(Path out) {
    return CommandRun.run(
        new SaeEncodeCommand(),
        "--sae",
        sae.toString(),
        "--input",
        input.toString(),
        "--out",
        out.toString());
  }

  private static List<String> names(Path dir) throws Exception {
    try (Stream<Path> s = Files.list(dir)) {
      return s.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }

  @Test
  void writesTheLatentsAndNoTemporaryFile() throws Exception {
    Path out = tmp.resolve("z.npy");
    CommandRun r = encode(out);
    assertEquals(0, r.code(), r.err());
    assertArrayEquals(new long[] {3, 16}, Npy.read(out).shape());
    assertEquals(List.of("sae", "x.npy", "z.npy"), names(tmp));
  }

  /** Before: exit 1 and a z-folder.tmp file left beside it. */
  @Test
  void anOutThatIsAFolderIsRefusedAndLeavesNothing() throws Exception {
    Path dir = Files.createDirectory(tmp.resolve("z-folder"));
    CommandRun r = encode(dir);
    assertEquals(2, r.code(), r.err());
    assertTrue(r.err().contains("--out " + dir + " is a directory"), r.err());
    assertEquals(List.of("sae", "x.npy", "z-folder"), names(tmp));
    assertEquals(List.of(), names(dir));
  }

  /** Before: exit 1 with only the path of the temporary file as the message. */
  @Test
  void anOutInAMissingFolderSaysSo() {
    Path out = tmp.resolve("no/such/z.npy");
    CommandRun r = encode(out);
    assertEquals(2, r.code(), r.err());
    assertTrue(
        r.err().contains("--out " + out)
            && r.err().contains(tmp.resolve("no/such") + " does not exist"),
        r.err());
  }

  /** Before: the input was replaced by the latents. */
  @Test
  void anOutThatIsTheInputIsRefusedAndTheInputKept() throws Exception {
    byte[] before = Files.readAllBytes(input);
    for (Path same : List.of(input, tmp.resolve("sae/../x.npy"))) {
      CommandRun r = encode(same);
      assertEquals(2, r.code(), r.err());
      assertTrue(r.err().contains("is the --input file"), r.err());
    }
    Path link = Files.createSymbolicLink(tmp.resolve("link.npy"), input);
    assertEquals(2, encode(link).code());
    assertArrayEquals(before, Files.readAllBytes(input));
    assertEquals(List.of("link.npy", "sae", "x.npy"), names(tmp));
  }

  @Test
  void aMismatchedInputLeavesNoTemporaryFile() throws Exception {
    Npy.write(input, new long[] {2, 4}, new float[8]);
    CommandRun r = encode(tmp.resolve("z.npy"));
    assertEquals(2, r.code(), r.err());
    assertTrue(r.err().contains("[2, 4]") && r.err().contains("[n, 8]"), r.err());
    assertEquals(List.of("sae", "x.npy"), names(tmp));
  }
}
