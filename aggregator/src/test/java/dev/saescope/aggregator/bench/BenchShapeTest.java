package dev.saescope.aggregator.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.saescope.schemas.LayerResult;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** Bench sizes: SAEs on as many layers as asked, evenly spaced, and the results to match. */
class BenchShapeTest {
  @Test
  void saeLayersAreEvenlySpacedAndCounted() {
    BenchShape demo = new BenchShape(1, 18, 3, 8, 16, 2, 4);
    assertEquals(List.of(5, 11, 17), withSae(demo));
    assertEquals(18, withSae(new BenchShape(1, 18, 18, 8, 16, 2, 4)).size());
    assertEquals(List.of(), withSae(new BenchShape(1, 4, 0, 8, 16, 2, 4)));
    for (int n = 0; n <= 7; n++) {
      assertEquals(n, withSae(new BenchShape(1, 7, n, 8, 16, 2, 4)).size(), n + " of 7");
    }
    assertEquals(3L * 3, demo.saeResults());
    BenchShape layers = demo.scaled("layers", 2);
    assertEquals(36, layers.layers());
    assertEquals(6, layers.saeLayers(), "the share of layers with an SAE stays");
    assertThrows(IllegalArgumentException.class, () -> new BenchShape(1, 4, 5, 8, 16, 2, 4));
    assertThrows(IllegalArgumentException.class, () -> demo.scaled("width", 2));
  }

  @Test
  void resultsCarryLatentsOnlyAtLayersWithAnSae() {
    BenchShape s = new BenchShape(2, 6, 2, 8, 32, 4, 5);
    List<List<LayerResult>> tasks = SyntheticResults.tasks("run", s, 3);
    assertEquals(s.tasks(), tasks.size());
    for (List<LayerResult> task : tasks) {
      for (LayerResult r : task) {
        if (s.hasSae(r.layer())) {
          assertEquals("sae-l" + r.layer(), r.saeId());
          assertEquals(s.positions(), r.latents().rows().size());
        } else {
          assertNull(r.saeId(), "layer " + r.layer());
          assertTrue(r.latents().rows().isEmpty());
        }
      }
    }
  }

  private static List<Integer> withSae(BenchShape s) {
    return IntStream.range(0, s.layers()).filter(s::hasSae).boxed().toList();
  }
}
