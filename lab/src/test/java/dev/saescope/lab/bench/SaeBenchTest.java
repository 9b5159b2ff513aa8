package dev.saescope.lab.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * The bench runs end to end on a small shape (the full shape is {@code bench sae}) and its figures
 * are the ones its javadoc defines. No timing target: speed is BENCHMARKS.md's business.
 */
class SaeBenchTest {
  @Test
  void smallBenchReportsConsistentFigures() {
    int dIn = 256;
    int dSae = 2048;
    int tokens = 128;
    SaeBench.Result r = SaeBench.run(dIn, dSae, tokens, 3, 7);
    assertEquals(dIn, r.dIn());
    assertEquals(dSae, r.dSae());
    assertEquals(tokens, r.tokens());
    assertEquals(3, r.reps());
    assertTrue(r.matmulMs() > 0 && r.encodeMs() > 0, r.toString());
    assertEquals(r.matmulMs() / r.encodeMs(), r.ratio(), 1e-12, "ratio = matmul / encode");
    assertEquals(2.0 * tokens * dIn * dSae / (r.matmulMs() * 1e6), r.matmulGflops(), 1e-9);
    assertTrue(
        r.matmulMsMedian() >= r.matmulMs(), "the fastest repetition is not above the median");
    assertTrue(
        r.encodeMsMedian() >= r.encodeMs(), "the fastest repetition is not above the median");
    // Thresholds at 2.6-2.7 standard deviations of pre ~ N(b_enc, ~1): about 0.4% of the latents
    // fire, L0 ~ 8 of 2048. An encode that drops or invents latents lands far outside this band.
    assertTrue(r.meanL0() > 3 && r.meanL0() < 20, "mean L0 " + r.meanL0());
  }
}
