package dev.saescope.runtime.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.FloatBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The Vector API lens reductions on handcrafted logits, against the definitions worked out in
 * double precision: a vocabulary that is no multiple of the vector width (the scalar tail counts),
 * ties of the maximum, more distinct KL references than the kernel holds at once, a NaN row. The
 * real-model agreement with {@link LensReduction#ENGINE} is in {@code GemmaModelTest} and {@code
 * Gemma270mFactsTest}.
 */
class VectorLensKernelTest {
  private static final int VOCAB = 1003; // no multiple of any vector width
  private static final int ROWS = 41;
  private static final int SLOTS = 3;

  /** Logits, each row's rank-slot tokens and each row's KL reference. */
  private record Input(float[] z, long[] ids, int[] refs) {
    LogitLens.Reduced reduce() {
      return VectorLensKernel.reduce(FloatBuffer.wrap(z), ROWS, VOCAB, ids, SLOTS, refs);
    }
  }

  private static Input example() {
    Random rnd = new Random(5);
    float[] z = new float[ROWS * VOCAB];
    for (int i = 0; i < z.length; i++) {
      z[i] = (float) (rnd.nextGaussian() * 4);
    }
    // row 0: its maximum twice, the first in the vector part; row 1: the maximum only in the tail
    z[5] = 50f;
    z[900] = 50f;
    z[VOCAB + VOCAB - 1] = 60f;
    long[] ids = new long[ROWS * SLOTS];
    int[] refs = new int[ROWS];
    for (int r = 0; r < ROWS; r++) {
      ids[r * SLOTS] = rnd.nextInt(VOCAB);
      ids[r * SLOTS + 1] = VOCAB - 1 - r; // tokens in the tail too
      ids[r * SLOTS + 2] = r == 0 ? 5 : rnd.nextInt(VOCAB); // row 0: the tied maximum, rank 0
      refs[r] = r % 5 == 0 ? r : (r * 7 + 3) % ROWS; // 33 distinct references, > 16 at once
    }
    return new Input(z, ids, refs);
  }

  @Test
  void reductionsEqualTheirDefinitions() {
    Input in = example();
    float[] z = in.z();
    long[] ids = in.ids();
    int[] refs = in.refs();
    LogitLens.Reduced got = in.reduce();

    assertEquals(5, got.top1()[0], "first of two equal maxima");
    assertEquals(VOCAB - 1, got.top1()[1], "maximum in the scalar tail");
    assertEquals(0, got.counts()[2], "rank of the row's maximum");
    for (int r = 0; r < ROWS; r++) {
      double[] lp = logSoftmax(z, r);
      for (int s = 0; s < SLOTS; s++) {
        int id = (int) ids[r * SLOTS + s];
        float t = z[r * VOCAB + id];
        long above = 0;
        for (int v = 0; v < VOCAB; v++) {
          above += z[r * VOCAB + v] > t ? 1 : 0;
        }
        assertEquals(above, got.counts()[r * SLOTS + s], "rank, row " + r + " slot " + s);
        assertEquals(lp[id], got.scores()[r * SLOTS + s], 2e-5, "logprob, row " + r);
      }
      int argMax = 0;
      for (int v = 1; v < VOCAB; v++) {
        argMax = z[r * VOCAB + v] > z[r * VOCAB + argMax] ? v : argMax;
      }
      assertEquals(argMax, got.top1()[r], "top-1, row " + r);
      double[] ref = logSoftmax(z, refs[r]);
      double kl = 0;
      for (int v = 0; v < VOCAB; v++) {
        kl += Math.exp(ref[v]) * (ref[v] - lp[v]);
      }
      double bits = refs[r] == r ? 0 : kl / Math.log(2);
      assertEquals(bits, got.klBits()[r], 1e-5 + 1e-5 * bits, "KL, row " + r);
      assertTrue(got.klBits()[r] >= 0, "KL >= 0, row " + r);
    }
  }

  /**
   * Before compilation the JDK runs vector operations as plain Java, after it as the CPU's
   * instructions: the same logits must give the same bits either way, or two runs of one task
   * disagree (they did, in the last bits of a KL, with the JDK's {@code lanewise(EXP)} and {@code
   * reduceLanes(ADD)}). Here: this JVM, once the kernel is hot, against a JVM that only interprets.
   */
  @Test
  void compiledAndInterpretedCodeGiveTheSameBits() throws Exception {
    Input in = example();
    for (int i = 0; i < 300; i++) {
      in.reduce(); // enough calls for the JIT's top tier
    }
    String compiled = fingerprint(in.reduce());
    Process p =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xint",
                "--add-modules=jdk.incubator.vector",
                "-cp",
                System.getProperty("java.class.path"),
                VectorLensKernelTest.class.getName())
            .redirectErrorStream(true)
            .start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(0, p.waitFor(), out);
    String interpreted = out.lines().filter(l -> l.startsWith("reduced ")).findFirst().orElse(out);
    assertEquals(compiled, interpreted);
  }

  /** For {@link #compiledAndInterpretedCodeGiveTheSameBits}: the example's reductions. */
  public static void main(String[] args) {
    System.out.println(fingerprint(example().reduce()));
  }

  private static String fingerprint(LogitLens.Reduced r) {
    StringBuilder out = new StringBuilder("reduced");
    for (float v : r.scores()) {
      out.append(' ').append(Integer.toHexString(Float.floatToRawIntBits(v)));
    }
    for (float v : r.klBits()) {
      out.append(' ').append(Integer.toHexString(Float.floatToRawIntBits(v)));
    }
    return out.append(' ')
        .append(Arrays.toString(r.counts()))
        .append(Arrays.toString(r.top1()))
        .toString();
  }

  @Test
  void aNanRowsTopOneIsItsFirstNanAsTorchsArgmax() {
    float[] z = new float[2 * VOCAB];
    z[VOCAB + 700] = Float.NaN;
    z[VOCAB + 800] = Float.NaN;
    z[VOCAB + 3] = 9f;
    LogitLens.Reduced got =
        VectorLensKernel.reduce(
            FloatBuffer.wrap(z), 2, VOCAB, new long[] {0, 0}, 1, new int[] {0, 0});
    assertEquals(0, got.top1()[0], "a constant row: its first index");
    assertEquals(700, got.top1()[1]);
    assertTrue(Float.isNaN(got.scores()[1]), "logprob of a NaN row");
  }

  @Test
  void aShortBufferIsNamed() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                VectorLensKernel.reduce(
                    FloatBuffer.allocate(VOCAB), 2, VOCAB, new long[0], 0, new int[] {0, 1}));
    assertTrue(e.getMessage().contains("1003 values, not 2 x 1003"), e.getMessage());
  }

  private static double[] logSoftmax(float[] z, int row) {
    double max = Double.NEGATIVE_INFINITY;
    for (int v = 0; v < VOCAB; v++) {
      max = Math.max(max, z[row * VOCAB + v]);
    }
    double sum = 0;
    for (int v = 0; v < VOCAB; v++) {
      sum += Math.exp(z[row * VOCAB + v] - max);
    }
    double lse = max + Math.log(sum);
    double[] out = new double[VOCAB];
    for (int v = 0; v < VOCAB; v++) {
      out[v] = z[row * VOCAB + v] - lse;
    }
    return out;
  }
}
