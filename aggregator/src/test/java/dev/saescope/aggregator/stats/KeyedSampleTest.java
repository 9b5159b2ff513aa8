package dev.saescope.aggregator.stats;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class KeyedSampleTest {
  @Test
  void valuesAreHeldInAscendingKeyOrder() {
    KeyedSample s = KeyedSample.of(new long[] {5, -3, 2}, new double[] {50, -30, 20});
    assertArrayEquals(new long[] {-3, 2, 5}, s.keys());
    assertArrayEquals(new double[] {-30, 20, 50}, s.values());
  }

  @Test
  void negativeZeroIsHeldAsZero() {
    KeyedSample s = KeyedSample.of(new long[] {1}, new double[] {-0.0});
    assertEquals(Double.doubleToRawLongBits(0.0), Double.doubleToRawLongBits(s.value(0)));
  }

  @Test
  void aMapGivesTheSameSampleAsArrays() {
    Map<Long, Double> map = new LinkedHashMap<>();
    map.put(5L, 50.0);
    map.put(-3L, -30.0);
    KeyedSample s = KeyedSample.of(map);
    assertArrayEquals(new long[] {-3, 5}, s.keys());
    assertArrayEquals(new double[] {-30, 50}, s.values());
  }

  @Test
  void aKeySeenTwiceIsRefusedByName() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> KeyedSample.of(new long[] {1, 7, 7}, new double[] {1, 2, 3}));
    assertTrue(e.getMessage().contains("item key 7 appears twice"), e.getMessage());
  }

  @Test
  void aNonFiniteValueIsRefusedWithItsKey() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> KeyedSample.of(new long[] {1, 4}, new double[] {1, Double.NaN}));
    assertTrue(e.getMessage().contains("item key 4: value NaN"), e.getMessage());
  }

  @Test
  void keysAndValuesOfDifferentLengthsAreRefused() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> KeyedSample.of(new long[] {1, 2}, new double[] {1}));
    assertTrue(e.getMessage().contains("2 item keys for 1 values"), e.getMessage());
  }

  @Test
  void pairedDifferenceKeepsTheItemsInBothOnly() {
    KeyedSample a = KeyedSample.of(new long[] {1, 2, 3, 9}, new double[] {10, 20, 30, 90});
    KeyedSample b = KeyedSample.of(new long[] {3, 1, 4}, new double[] {3, 1, 4});
    KeyedSample d = KeyedSample.pairedDifference(a, b);
    assertArrayEquals(new long[] {1, 3}, d.keys());
    assertArrayEquals(new double[] {9, 27}, d.values());
  }

  @Test
  void withAddsOneItemInKeyOrderAndLeavesTheOriginalAlone() {
    KeyedSample s = KeyedSample.of(new long[] {2, 8}, new double[] {0.2, 0.8});
    KeyedSample t = s.with(5, 0.5);
    assertArrayEquals(new long[] {2, 5, 8}, t.keys());
    assertArrayEquals(new double[] {0.2, 0.5, 0.8}, t.values());
    assertEquals(2, s.size());
    assertThrows(IllegalArgumentException.class, () -> t.with(5, 1.0));
  }
}
