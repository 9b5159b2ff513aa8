package dev.saescope.aggregator.observe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class HalfRowTest {
  @Test
  void valuesComeBackWithinFloat16PrecisionOfTheLargest() {
    double[] x = {1e5, -3.25, 0.001, 0};
    double[] back = HalfRow.of(x).toDoubles();
    for (int i = 0; i < x.length; i++) {
      assertEquals(x[i], back[i], 1e5 * 0x1.0p-11, "entry " + i);
    }
    assertEquals(1e5, back[0], 0.0, "the largest is exact: it is the scale");
  }

  @Test
  void aZeroRowStaysZero() {
    double[] back = HalfRow.of(new double[] {0, 0}).toDoubles();
    assertEquals(0, back[0]);
    assertEquals(0, back[1]);
  }

  @Test
  void sparseDotMergesTheIndexLists() {
    SparseRow a = SparseRow.of(new int[] {1, 4, 9}, new double[] {1, 2, 4});
    SparseRow b = SparseRow.of(new int[] {0, 4, 9}, new double[] {8, 1, 0.5});
    assertEquals(2 * 1 + 4 * 0.5, a.dot(b), 1e-3);
    assertEquals(Math.sqrt(21), a.norm(), 1e-3);
    assertThrows(
        IllegalArgumentException.class, () -> SparseRow.of(new int[] {2, 1}, new double[] {1, 1}));
  }
}
