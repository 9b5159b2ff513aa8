package dev.saescope.runtime.model;

import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.Future;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The full-vocabulary lens's reductions ({@link LogitLens#stats}) in Java, with the JDK's Vector
 * API, over the fp32 logits the engine wrote, read in place ({@link LensReduction#VECTOR}: CPU
 * only). libtorch runs each reduction as its own pass over the {@code [rows, vocab]} array in main
 * memory, and each writes a temporary as large (log-softmax, the compare of every rank, the cast
 * before its count): together they cost more than the unembedding matmul (bench lens). Here each
 * row is copied once into a scratch array that stays in the core's cache, and every reduction of
 * the row reads it there: max, the KL dot product, one compare-and-count per rank slot, the first
 * index of the max, {@code sum exp(z - max)}.
 *
 * <p>The definitions are {@link LensReduction#ENGINE}'s: ranks and top-1 on the logits (first index
 * of the largest, as torch's argmax), log-probabilities {@code z_t - logsumexp(z)}, and {@code
 * KL(p_r || p_i) = sum p_r (z_r - z_i) - (lse_r - lse_i) sum p_r} (the same quantity as {@code sum
 * p_r lp_r - sum p_r lp_i}), in bits, clamped at 0, 0 for a row against itself.
 */
final class VectorLensKernel {
  private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;

  /**
   * Exponents are clamped here: below e^-87.3 fp32 is subnormal, and x86 cores add and multiply
   * subnormals through microcode assists, ~100 times slower (the early layers' logits span more
   * than 87 nats: measured, the kernel took 5 times as long on the real model as on random logits).
   * Clamping changes a sum of at most 262,144 terms by < 262,144 e^-87 = 4e-33, nothing at fp32.
   */
  private static final float EXP_FLOOR = -87f;

  private static final float LOG2E = 1.44269504088896341f;
  private static final float LN2_HI = 0.693359375f; // 9 significant bits
  private static final float LN2_LO = -2.12194440e-4f; // ln 2 - LN2_HI
  private static final float ROUND = 12582912f; // 1.5 * 2^23: adding it rounds to an integer

  /** Values per fp32 partial sum (a multiple of every vector width). */
  private static final int BLOCK = 1024;

  /** Distinct KL references whose probabilities are held at once: memory ≤ this × vocab floats. */
  private static final int REFERENCES_AT_ONCE = 16;

  private static ForkJoinPool pool;

  private VectorLensKernel() {}

  /** A reference row's probabilities and the sums its rows' KL needs. */
  private record Reference(float[] p, double lse, double mass, double selfDot) {}

  /**
   * The lens reductions of {@code rows} rows of {@code logits}.
   *
   * @param logits {@code [rows, vocab]} fp32, row-major
   * @param slotIds {@code [rows, slots]} the token of each rank slot ({@link RankSlots#ids})
   * @param refs {@code [rows]} each row's KL reference row
   */
  static LogitLens.Reduced reduce(
      FloatBuffer logits, int rows, int vocab, long[] slotIds, int slots, int[] refs) {
    if (logits.limit() < (long) rows * vocab) {
      throw new IllegalArgumentException(
          "lens logits hold " + logits.limit() + " values, not " + rows + " x " + vocab);
    }
    LogitLens.Reduced out =
        new LogitLens.Reduced(
            new float[rows * slots], new long[rows * slots], new long[rows], new float[rows]);
    for (int start = 0; start < rows; ) {
      Set<Integer> needed = new LinkedHashSet<>(); // references of rows other than themselves
      int end = start;
      while (end < rows
          && (refs[end] == end
              || needed.contains(refs[end])
              || needed.size() < REFERENCES_AT_ONCE)) {
        if (refs[end] != end) {
          needed.add(refs[end]);
        }
        end++;
      }
      Map<Integer, Reference> references = references(logits, vocab, needed);
      int from = start;
      int to = end;
      parallel(
          to - from,
          (task, tasks) -> {
            float[] z = new float[vocab];
            for (int r = from + task; r < to; r += tasks) {
              row(logits, r, z, slotIds, slots, references.get(refs[r]), refs[r] == r, out);
            }
          });
      start = end;
    }
    return out;
  }

  private static Map<Integer, Reference> references(
      FloatBuffer logits, int vocab, Set<Integer> needed) {
    List<Integer> rows = List.copyOf(needed);
    Reference[] computed = new Reference[rows.size()];
    parallel(
        rows.size(),
        (task, tasks) -> {
          float[] z = new float[vocab];
          for (int i = task; i < rows.size(); i += tasks) {
            logits.get(rows.get(i) * vocab, z, 0, vocab);
            double lse = logSumExp(z, max(z));
            float[] p = probabilities(z, lse);
            double mass = 0;
            for (float v : p) { // once per reference; the rows' passes dominate
              mass += v;
            }
            computed[i] = new Reference(p, lse, mass, dot(z, p));
          }
        });
    Map<Integer, Reference> out = new HashMap<>();
    for (int i = 0; i < rows.size(); i++) {
      out.put(rows.get(i), computed[i]);
    }
    return out;
  }

  private static void row(
      FloatBuffer logits,
      int r,
      float[] z, // [vocab] scratch
      long[] slotIds,
      int slots,
      Reference ref,
      boolean ownReference,
      LogitLens.Reduced out) {
    logits.get(r * z.length, z, 0, z.length);
    float max = max(z);
    double lse = logSumExp(z, max);
    for (int s = 0; s < slots; s++) {
      float t = z[(int) slotIds[r * slots + s]];
      out.scores()[r * slots + s] = (float) (t - lse);
      out.counts()[r * slots + s] = countAbove(z, t);
    }
    out.top1()[r] = firstIndexOf(z, max);
    if (!ownReference) {
      double nats = (ref.selfDot() - dot(z, ref.p())) - (ref.lse() - lse) * ref.mass();
      out.klBits()[r] = (float) (Math.max(0, nats) / Math.log(2));
    }
  }

  private static float max(float[] z) {
    int bound = F.loopBound(z.length);
    FloatVector m = FloatVector.broadcast(F, Float.NEGATIVE_INFINITY);
    for (int i = 0; i < bound; i += F.length()) {
      m = m.max(FloatVector.fromArray(F, z, i));
    }
    float out = m.reduceLanes(VectorOperators.MAX);
    for (int i = bound; i < z.length; i++) {
      out = Math.max(out, z[i]);
    }
    return out;
  }

  /**
   * {@code max + log sum exp(z - max)}. Like every sum here, in fp32 lanes over blocks of {@link
   * #BLOCK} values, the blocks' sums added in double: fp32 alone over 262,144 terms drifts by ~1e-4
   * of the sum, which the KL's difference of two such sums magnifies.
   */
  private static double logSumExp(float[] z, float max) {
    int bound = F.loopBound(z.length);
    double out = 0;
    for (int block = 0; block < bound; block += BLOCK) {
      FloatVector sum = FloatVector.zero(F);
      for (int i = block; i < Math.min(bound, block + BLOCK); i += F.length()) {
        sum = sum.add(exp(FloatVector.fromArray(F, z, i).sub(max)));
      }
      out += sumOfLanes(sum);
    }
    for (int i = bound; i < z.length; i++) {
      out += StrictMath.exp(Math.max(EXP_FLOOR, z[i] - max));
    }
    return max + Math.log(out);
  }

  private static float[] probabilities(float[] z, double lse) {
    float[] p = new float[z.length];
    int bound = F.loopBound(z.length);
    for (int i = 0; i < bound; i += F.length()) {
      exp(FloatVector.fromArray(F, z, i).sub((float) lse)).intoArray(p, i);
    }
    for (int i = bound; i < z.length; i++) {
      p[i] = (float) StrictMath.exp(Math.max(EXP_FLOOR, z[i] - lse));
    }
    return p;
  }

  /** {@code a · b}, blocked as {@link #logSumExp}. */
  private static double dot(float[] a, float[] b) {
    int bound = F.loopBound(a.length);
    double out = 0;
    for (int block = 0; block < bound; block += BLOCK) {
      FloatVector sum = FloatVector.zero(F);
      for (int i = block; i < Math.min(bound, block + BLOCK); i += F.length()) {
        sum = FloatVector.fromArray(F, a, i).fma(FloatVector.fromArray(F, b, i), sum);
      }
      out += sumOfLanes(sum);
    }
    for (int i = bound; i < a.length; i++) {
      out += (double) a[i] * b[i];
    }
    return out;
  }

  /**
   * {@code e^x} per lane for x clamped to [{@link #EXP_FLOOR}, 88], within 1 ulp of {@code
   * Math.exp}, NaN for NaN (Cephes' expf: {@code x = n ln 2 + r}, a degree-7 polynomial in r, 2^n
   * written into the exponent bits). Not {@code lanewise(EXP)}: the JDK computes that with one
   * routine in compiled code and another before, so a result changed with how warm the JIT was and
   * two runs of the same task disagreed in a float's last bits; adds, multiplies and fused
   * multiply-adds round the same everywhere.
   */
  private static FloatVector exp(FloatVector x) {
    x = x.max(EXP_FLOOR).min(88f);
    FloatVector t = x.fma(FloatVector.broadcast(F, LOG2E), FloatVector.broadcast(F, ROUND));
    FloatVector n = t.sub(ROUND); // round(x / ln 2), exactly
    FloatVector r = x.sub(n.mul(LN2_HI)).sub(n.mul(LN2_LO)); // n * LN2_HI is exact
    FloatVector p = r.mul(1.9875691500e-4f).add(1.3981999507e-3f);
    p = p.fma(r, FloatVector.broadcast(F, 8.3334519073e-3f));
    p = p.fma(r, FloatVector.broadcast(F, 4.1665795894e-2f));
    p = p.fma(r, FloatVector.broadcast(F, 1.6666665459e-1f));
    p = p.fma(r, FloatVector.broadcast(F, 5.0000001201e-1f));
    FloatVector y = p.fma(r.mul(r), r).add(1f);
    FloatVector twoToN = // n sits in t's low mantissa bits
        t.reinterpretAsInts()
            .sub(Float.floatToRawIntBits(ROUND) - 127)
            .lanewise(VectorOperators.LSHL, 23)
            .reinterpretAsFloats();
    return y.mul(twoToN);
  }

  /**
   * The lanes' sum, added in lane order: {@code reduceLanes(ADD)} may add them in another order in
   * compiled code than before it, which changes the last bits from one run to the next.
   */
  private static double sumOfLanes(FloatVector v) {
    double out = 0;
    for (float lane : v.toArray()) {
      out += lane;
    }
    return out;
  }

  /** How many values exceed {@code t}: the rank of a token whose logit is t. */
  private static long countAbove(float[] z, float t) {
    int bound = F.loopBound(z.length);
    FloatVector one = FloatVector.broadcast(F, 1f);
    FloatVector count = FloatVector.zero(F); // exact: a lane counts at most vocab / lanes < 2^24
    for (int i = 0; i < bound; i += F.length()) {
      count = count.add(one, FloatVector.fromArray(F, z, i).compare(VectorOperators.GT, t));
    }
    long out = (long) count.reduceLanes(VectorOperators.ADD); // integers < 2^24: exact in any order
    for (int i = bound; i < z.length; i++) {
      out += z[i] > t ? 1 : 0;
    }
    return out;
  }

  /** The first index holding {@code max}, or the first NaN when max is NaN (torch's argmax). */
  private static long firstIndexOf(float[] z, float max) {
    int bound = F.loopBound(z.length);
    for (int i = 0; i < bound; i += F.length()) {
      FloatVector v = FloatVector.fromArray(F, z, i);
      VectorMask<Float> hit = Float.isNaN(max) ? v.test(VectorOperators.IS_NAN) : v.eq(max);
      if (hit.anyTrue()) {
        return i + hit.firstTrue();
      }
    }
    for (int i = bound; i < z.length; i++) {
      if (z[i] == max || (Float.isNaN(max) && Float.isNaN(z[i]))) {
        return i;
      }
    }
    throw new IllegalStateException("no index of the maximum " + max); // max came from z
  }

  /** A task run as {@code (task, tasks)} on each of the engine's threads, waited for. */
  private interface Striped {
    void run(int task, int tasks);
  }

  private static void parallel(int items, Striped work) {
    int tasks = Math.min(items, pool().getParallelism());
    if (tasks <= 1) {
      work.run(0, 1);
      return;
    }
    List<Callable<Void>> calls = new ArrayList<>();
    for (int t = 0; t < tasks; t++) {
      int task = t;
      calls.add(
          () -> {
            work.run(task, tasks);
            return null;
          });
    }
    try {
      for (Future<Void> f : pool().invokeAll(calls)) {
        f.get();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted during the lens reductions", e);
    } catch (ExecutionException e) {
      throw new IllegalStateException("lens reduction failed: " + e.getCause(), e.getCause());
    }
  }

  /**
   * As many threads as the engine's intra-op pool ({@code ai.djl.pytorch.num_threads}), made once.
   */
  private static synchronized ForkJoinPool pool() {
    if (pool == null) {
      int threads =
          Integer.getInteger(
              "ai.djl.pytorch.num_threads", Runtime.getRuntime().availableProcessors());
      pool = new ForkJoinPool(Math.max(1, threads));
    }
    return pool;
  }
}
