package dev.saescope.runtime.model;

import java.util.List;

/** Which token positions of each sequence in a batch to return. */
public sealed interface Positions {
  /** Every real (non-padding) position of every sequence. */
  record All() implements Positions {}

  /** No position: the output is not wanted. */
  record None() implements Positions {}

  /**
   * Chosen positions per sequence, in the order given; {@code perSequence.get(i)} are indices into
   * sequence {@code i} (0-based, each {@code < its length}).
   */
  record Chosen(List<int[]> perSequence) implements Positions {
    public Chosen {
      perSequence = perSequence.stream().map(int[]::clone).toList();
    }

    @Override
    public List<int[]> perSequence() {
      return perSequence.stream().map(int[]::clone).toList();
    }

    int[] at(int sequence) {
      return perSequence.get(sequence);
    }
  }

  static Positions all() {
    return new All();
  }

  static Positions none() {
    return new None();
  }

  static Positions chosen(List<int[]> perSequence) {
    return new Chosen(perSequence);
  }

  /** The last real position of every sequence (next-token prediction). */
  static Positions last(List<int[]> sequences) {
    return new Chosen(sequences.stream().map(s -> new int[] {s.length - 1}).toList());
  }
}
