package dev.saescope.runtime.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.List;

/**
 * Which rows of a [batch*seq, width] activation to copy out, and how to split them per sequence.
 */
final class RowSelection {
  private final int[][] positions; // per sequence
  private final long[] flat; // b * seq + position, in output order

  private RowSelection(int[][] positions, long[] flat) {
    this.positions = positions;
    this.flat = flat;
  }

  static RowSelection of(Positions spec, BatchInputs in) {
    return of(spec, in, 0);
  }

  /**
   * As {@link #of(Positions, BatchInputs)}; {@link Positions.All} leaves out the last {@code
   * skipLast}.
   */
  static RowSelection of(Positions spec, BatchInputs in, int skipLast) {
    int[][] pos = new int[in.batch][];
    for (int b = 0; b < in.batch; b++) {
      int end = Math.max(0, in.lengths[b] - skipLast);
      pos[b] =
          switch (spec) {
            case Positions.All all -> java.util.stream.IntStream.range(0, end).toArray();
            case Positions.None none -> new int[0];
            case Positions.Chosen chosen -> chosen.at(b).clone();
          };
    }
    int total = 0;
    for (int[] p : pos) {
      total += p.length;
    }
    long[] flat = new long[total];
    int at = 0;
    for (int b = 0; b < in.batch; b++) {
      for (int p : pos[b]) {
        flat[at++] = (long) b * in.seq + p;
      }
    }
    return new RowSelection(pos, flat);
  }

  /** Validates chosen positions against the sequences; {@code what} names the field in messages. */
  static void check(Positions spec, List<int[]> sequences, String what) {
    check(spec, sequences, what, 0);
  }

  /** As {@link #check(Positions, List, String)}, positions must also be below length - skipLast. */
  static void check(Positions spec, List<int[]> sequences, String what, int skipLast) {
    if (!(spec instanceof Positions.Chosen chosen)) {
      return;
    }
    if (chosen.perSequence().size() != sequences.size()) {
      throw new IllegalArgumentException(
          what
              + ": "
              + chosen.perSequence().size()
              + " position lists for "
              + sequences.size()
              + " sequences");
    }
    for (int b = 0; b < sequences.size(); b++) {
      for (int p : chosen.at(b)) {
        if (p < 0 || p >= sequences.get(b).length - skipLast) {
          throw new IllegalArgumentException(
              what
                  + ": position "
                  + p
                  + " outside sequence "
                  + b
                  + " of length "
                  + sequences.get(b).length
                  + (skipLast > 0 ? " (the last position has no next token)" : ""));
        }
      }
    }
  }

  /** The flat row index as an int64 array in {@code manager}, or null when no row is selected. */
  NDArray index(NDManager manager) {
    return flat.length == 0 ? null : manager.create(flat, new Shape(flat.length));
  }

  /** Positions of sequence {@code b}, in output order. */
  int[] positions(int b) {
    return positions[b];
  }

  /** Number of selected rows. */
  int size() {
    return flat.length;
  }

  /** The flat row indices, b * seq + position. */
  long[] flat() {
    return flat.clone();
  }

  /** Splits {@code values} ([selected rows, width]) into one {@link Rows} per sequence. */
  List<Rows> split(float[] values, int width) {
    List<Rows> out = new ArrayList<>(positions.length);
    int at = 0;
    for (int[] p : positions) {
      float[] part = new float[p.length * width];
      if (values.length > 0) {
        System.arraycopy(values, at, part, 0, part.length);
      }
      at += part.length;
      out.add(new Rows(p, width, part));
    }
    return out;
  }
}
