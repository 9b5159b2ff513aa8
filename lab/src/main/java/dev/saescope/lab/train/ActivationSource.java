package dev.saescope.lab.train;

import java.io.IOException;

/**
 * A stream of activation vectors {@code [n, dIn]}. It must be deterministic: the same source yields
 * the same vectors in the same order, so that the same seed gives the same SAE and a resumed run
 * sees what the interrupted one would have.
 */
public interface ActivationSource extends AutoCloseable {
  /** Width of each vector. */
  int dIn();

  /**
   * Fills up to {@code rows} vectors into {@code into} ({@code [rows, dIn]} row-major).
   *
   * @return rows written; 0 only when the source is exhausted
   */
  int next(float[] into, int rows) throws IOException;

  /** Skips {@code rows} vectors (on resume); the default reads and discards them. */
  default void skip(long rows) throws IOException {
    float[] buf = new float[Math.toIntExact(Math.min(rows, 1024)) * dIn()];
    long left = rows;
    while (left > 0) {
      int n = next(buf, (int) Math.min(left, 1024));
      if (n == 0) {
        throw new IOException(
            "activation source ended after skipping " + (rows - left) + " of " + rows + " rows");
      }
      left -= n;
    }
  }

  @Override
  default void close() throws IOException {}
}
