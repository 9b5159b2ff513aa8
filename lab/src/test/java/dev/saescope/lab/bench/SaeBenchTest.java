package dev.saescope.lab.bench;

import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The bench runs end to end on a small shape (the full shape is {@code bench sae}). */
class SaeBenchTest {
  @Test
  void smallBenchRuns() {
    int dIn = Integer.getInteger("sae.bench.dIn", 256);
    int dSae = Integer.getInteger("sae.bench.dSae", 2048);
    int tokens = Integer.getInteger("sae.bench.tokens", 128);
    SaeBench.Result r = SaeBench.run(dIn, dSae, tokens, Integer.getInteger("sae.bench.reps", 3), 7);
    System.out.println(r);
    assertTrue(r.ratio() > 0 && r.meanL0() > 0, r.toString());
  }
}
