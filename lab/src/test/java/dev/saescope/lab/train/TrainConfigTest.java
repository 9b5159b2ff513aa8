package dev.saescope.lab.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The learning-rate schedule: constant, then linear to 0 over the last part of the budget. */
class TrainConfigTest {
  @Test
  void lrIsConstantUntilTheDecayStartsThenFallsLinearlyToZero() {
    TrainConfig c = TrainConfig.of(8, 16, 4, 1000, 0).withLr(1e-3).withLrDecayFrom(0.8);
    assertEquals(1e-3, c.lrAt(0), 0);
    assertEquals(1e-3, c.lrAt(800), 0);
    assertEquals(0.5e-3, c.lrAt(900), 1e-12);
    assertEquals(0, c.lrAt(1000), 0);
    assertEquals(0, c.lrAt(1200), 0, "past the budget (a last partial batch) never negative");
  }

  @Test
  void noDecayByDefault() {
    TrainConfig c = TrainConfig.of(8, 16, 4, 1000, 0).withLr(1e-3);
    assertEquals(1e-3, c.lrAt(999), 0);
  }

  @Test
  void decayStartOutsideTheRunIsRejected() {
    TrainConfig c = TrainConfig.of(8, 16, 4, 1000, 0);
    assertThrows(IllegalArgumentException.class, () -> c.withLrDecayFrom(1.5));
    assertThrows(IllegalArgumentException.class, () -> c.withLrDecayFrom(-0.1));
  }

  @Test
  void stdWeightExponentOutsideZeroToOneIsRejectedByName() {
    TrainConfig c = TrainConfig.of(8, 16, 4, 1000, 0);
    assertEquals(0, c.stdWeightExponent(), 0, "plain MSE by default");
    for (double bad : new double[] {-0.1, 1.5, Double.NaN}) {
      var e = assertThrows(IllegalArgumentException.class, () -> c.withStdWeightExponent(bad));
      assertTrue(e.getMessage().contains("std weight exponent"), e.getMessage());
    }
  }
}
