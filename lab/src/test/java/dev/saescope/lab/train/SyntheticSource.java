package dev.saescope.lab.train;

import java.util.SplittableRandom;

/**
 * Vectors made from a known sparse dictionary: {@code x = offset + sum_j c_j atom_j} with {@code
 * active} random unit atoms per vector and coefficients in [1, 3) times {@code gain}. A good SAE
 * recovers it almost exactly.
 */
final class SyntheticSource implements ActivationSource {
  final int d;
  final int atoms;
  final int active;
  final float[] dictionary; // [atoms, d] unit rows
  final float[] offset; // [d]
  final float gain;
  private final SplittableRandom rnd;
  private long remaining;

  SyntheticSource(int d, int atoms, int active, float gain, long seed, long limit) {
    this.d = d;
    this.atoms = atoms;
    this.active = active;
    this.gain = gain;
    SplittableRandom init = new SplittableRandom(1000 + atoms);
    dictionary = new float[atoms * d];
    for (int a = 0; a < atoms; a++) {
      double n = 0;
      for (int c = 0; c < d; c++) {
        double g = init.nextGaussian();
        dictionary[a * d + c] = (float) g;
        n += g * g;
      }
      for (int c = 0; c < d; c++) {
        dictionary[a * d + c] /= (float) Math.sqrt(n);
      }
    }
    offset = new float[d];
    for (int c = 0; c < d; c++) {
      offset[c] = (float) (init.nextGaussian() * gain);
    }
    this.rnd = new SplittableRandom(seed);
    this.remaining = limit;
  }

  @Override
  public int dIn() {
    return d;
  }

  @Override
  public int next(float[] into, int rows) {
    int n = (int) Math.min(rows, remaining);
    for (int r = 0; r < n; r++) {
      System.arraycopy(offset, 0, into, r * d, d);
      for (int j = 0; j < active; j++) {
        int a = rnd.nextInt(atoms);
        float c = (float) (1 + 2 * rnd.nextDouble()) * gain;
        for (int i = 0; i < d; i++) {
          into[r * d + i] += c * dictionary[a * d + i];
        }
      }
    }
    remaining -= n;
    return n;
  }
}
