package dev.saescope.runtime.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class RankSlotsTest {
  @Test
  void repeatedAndAbsentTokensTakeNoSlot() {
    // the worker's rows: next token, 3 future ones (absent unless direct), gold
    int[][] targets = {{7, -1, -1, -1, 7}, {5, 6, -1, -1, 9}, {-1, -1}};
    RankSlots slots = RankSlots.of(targets, 10, 4);
    assertEquals(3, slots.slots(), "the busiest row has 3 distinct tokens");
    // unused slots repeat the row's first token; a row without tokens and padding rows score 0
    assertArrayEquals(new long[] {7, 7, 7, 5, 6, 9, 0, 0, 0, 0, 0, 0}, slots.ids());
    long[] perSlot = {70, 71, 72, 50, 60, 90, 0, 0, 0, 0, 0, 0};
    assertArrayEquals(
        new long[][] {{70, -1, -1, -1, 70}, {50, 60, -1, -1, 90}, {-1, -1}},
        slots.spread(perSlot, -1));
    float[][] values = slots.spread(new float[] {1, 2, 3, 4, 5, 6, 0, 0, 0, 0, 0, 0});
    assertArrayEquals(new float[] {1, 0, 0, 0, 1}, values[0]);
    assertArrayEquals(new float[] {4, 5, 0, 0, 6}, values[1]);
  }

  @Test
  void noTokensMeansNoPass() {
    assertEquals(0, RankSlots.of(new int[][] {{-1}, {}}, 10, 2).slots());
    assertEquals(0, RankSlots.of(new int[0][], 10, 0).slots());
  }

  @Test
  void callsArePaddedToAMultipleOfFourRows() {
    assertArrayEquals(
        new int[] {0, 4, 4, 4, 4, 8, 128, 132},
        java.util.stream.IntStream.of(0, 1, 3, 4, 4, 5, 128, 129)
            .map(RankSlots::paddedRows)
            .toArray());
  }

  @Test
  void anIdOutsideTheVocabularyIsNamedWithItsRow() {
    for (int bad : new int[] {10, -2}) {
      IllegalArgumentException e =
          assertThrows(
              IllegalArgumentException.class,
              () -> RankSlots.of(new int[][] {{1}, {2, bad}}, 10, 2));
      assertTrue(
          e.getMessage().equals("row 1: token id " + bad + " outside [0, 10)"), e.getMessage());
    }
  }
}
