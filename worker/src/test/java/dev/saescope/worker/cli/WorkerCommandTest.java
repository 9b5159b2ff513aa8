package dev.saescope.worker.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.saescope.worker.service.TinyWorld;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * Fatal start-up problems end the worker with a message naming the problem and a documented exit
 * code.
 */
class WorkerCommandTest {
  @TempDir static Path dir;
  static TinyWorld world;

  @BeforeAll
  static void build() throws IOException {
    world = TinyWorld.create(dir);
  }

  private record Run(int code, String err) {}

  private static Run run(String... args) {
    StringWriter err = new StringWriter();
    int code =
        new CommandLine(new WorkerCommand()).setErr(new PrintWriter(err, true)).execute(args);
    return new Run(code, err.toString());
  }

  @Test
  void missingModelIsFatalWithExitCode2() {
    Run r = run("--model", dir.resolve("no-such-model").toString(), "--metrics-port", "-1");
    assertEquals(2, r.code(), r.err());
    assertTrue(r.err().contains("no-such-model"), r.err());
  }

  @Test
  void truncatedSaeIsFatalWithExitCode2() throws IOException {
    Path bad = dir.resolve("bad-sae");
    Files.createDirectories(bad);
    Files.copy(world.saeDir.resolve("cfg.json"), bad.resolve("cfg.json"));
    byte[] weights = Files.readAllBytes(world.saeDir.resolve("sae_weights.safetensors"));
    Files.write(
        bad.resolve("sae_weights.safetensors"),
        java.util.Arrays.copyOf(weights, weights.length / 2));
    Run r =
        run("--model", world.modelDir.toString(), "--sae", bad.toString(), "--metrics-port", "-1");
    assertEquals(2, r.code(), r.err());
    assertTrue(r.err().contains("sae_weights.safetensors"), r.err());
  }

  @Test
  void badLayerListIsFatalWithExitCode2() {
    Run r = run("--model", world.modelDir.toString(), "--layers", "0-9", "--metrics-port", "-1");
    assertEquals(2, r.code(), r.err());
    assertTrue(r.err().contains("--layers"), r.err());
  }

  @Test
  void badOptionsExitWith1() {
    Run r =
        run("--model", world.modelDir.toString(), "--batch-tokens", "0", "--metrics-port", "-1");
    assertEquals(1, r.code(), r.err());
    assertTrue(r.err().contains("--batch-tokens"), r.err());
  }

  @Test
  void absentBrokerIsReportedWithinTheTimeout() {
    long t0 = System.nanoTime();
    Run r =
        run(
            "--model",
            world.modelDir.toString(),
            "--metrics-port",
            "-1",
            "--bootstrap-servers",
            "127.0.0.1:1",
            "--broker-timeout",
            "3");
    assertEquals(3, r.code(), r.err());
    assertTrue(r.err().contains("127.0.0.1:1"), r.err());
    assertTrue((System.nanoTime() - t0) / 1e9 < 60, "bounded time");
  }
}
