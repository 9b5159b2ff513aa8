package dev.saescope.lab.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.saescope.runtime.weights.RandomModelWriter.StoredType;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** make-random-model's options; what it writes is tested on RandomModelWriter (tiny models). */
class MakeRandomModelCommandTest {
  private static MakeRandomModelCommand parse(String... args) {
    MakeRandomModelCommand cmd = new MakeRandomModelCommand();
    new CommandLine(cmd).parseArgs(args);
    return cmd;
  }

  /** Before: "bf16" was refused as not one of [F32, BF16] (case-sensitive). */
  @Test
  void dtypeIsAcceptedInAnyCase() {
    for (String v : new String[] {"bf16", "BF16", "Bf16"}) {
      assertEquals(
          StoredType.BF16, parse("--like", "gemma-3-270m", "--out", "x", "--dtype", v).dtype);
    }
    assertEquals(StoredType.F32, parse("--like", "gemma-3-270m", "--out", "x").dtype);
    CommandLine.ParameterException e =
        assertThrows(
            CommandLine.ParameterException.class,
            () -> parse("--like", "gemma-3-270m", "--out", "x", "--dtype", "q4_k"));
    assertTrue(
        e.getMessage().contains("'q4_k'") && e.getMessage().contains("[F32, BF16]"),
        e.getMessage());
  }

  @Test
  void helpListsTheDtypes() {
    CommandRun r = CommandRun.run(new MakeRandomModelCommand(), "--help");
    assertEquals(0, r.code());
    assertTrue(r.out().contains("F32, BF16"), r.out());
  }
}
