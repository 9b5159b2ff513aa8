package dev.saescope.lab.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TrainSaeCommandTest {
  @TempDir Path tmp;

  /** A bad exponent is a usage error named before any model or text is opened. */
  @Test
  void aStdWeightExponentOutsideZeroToOneIsNamedBeforeAnythingLoads() {
    for (String bad : new String[] {"-0.5", "1.5", "NaN"}) {
      CommandRun r =
          CommandRun.run(
              new TrainSaeCommand(),
              "--model",
              tmp.resolve("no-such-model").toString(),
              "--layer",
              "0",
              "--width",
              "16",
              "--k",
              "4",
              "--tokens",
              "64",
              "--text",
              tmp.resolve("no-such-text").toString(),
              "--out",
              tmp.resolve("out").toString(),
              "--std-weight-exponent",
              bad);
      assertEquals(2, r.code(), r.err());
      assertTrue(r.err().contains("--std-weight-exponent must be in [0, 1]"), r.err());
    }
  }
}
