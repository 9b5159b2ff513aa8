package dev.saescope.aggregator.stats;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class EstimateTest {
  private static final double NAN = Double.NaN;

  @Test
  void aWellFormedEstimateKeepsItsFieldsAndTakesAP() {
    Estimate e = new Estimate(0.5, 0.1, 0.9, 40, NAN).withP(0.02);
    assertEquals(new Estimate(0.5, 0.1, 0.9, 40, 0.02), e);
    new Estimate(NAN, NAN, NAN, 0, NAN); // an empty sample: nothing defined
  }

  @Test
  void aNegativeCountIsRefused() {
    assertRefused("n = -1", () -> new Estimate(0, 0, 0, -1, NAN));
  }

  @Test
  void anIntervalWithOneNaNEndIsRefused() {
    assertRefused("both ends or neither", () -> new Estimate(0, NAN, 1, 3, NAN));
  }

  @Test
  void anIntervalWithItsEndsSwappedIsRefused() {
    assertRefused("low end above the high end", () -> new Estimate(0, 1, -1, 3, NAN));
  }

  @Test
  void aPOutsideTheUnitIntervalIsRefused() {
    assertRefused("p = 1.5", () -> new Estimate(0, -1, 1, 3, 1.5));
    assertRefused("p = -0.1", () -> new Estimate(0, -1, 1, 3, -0.1));
  }

  private static void assertRefused(String message, Runnable construct) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, construct::run);
    assertTrue(e.getMessage().contains(message), e.getMessage());
  }
}
