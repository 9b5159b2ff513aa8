package dev.saescope.runtime.sae;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Every encode works in a sub-manager: after many batches of each activation kind, the SAE's own
 * manager holds exactly the arrays it held after loading (a leaked temporary per batch would grow
 * native memory with the stream).
 */
class SaeNativeMemoryTest {
  @Test
  void encodingLeavesNoArraysBehind() {
    for (Activation a :
        new Activation[] {
          new Activation.JumpRelu(), new Activation.TopK(5), new Activation.Relu()
        }) {
      SaeParams p = Reference.random(a, 16, 64, true, 3);
      float[] x = Reference.gauss(new SplittableRandom(4), 40 * 16, 1f);
      try (Sae sae = Sae.create(p)) {
        int atLoad = sae.managedArrays();
        for (int i = 0; i < 100; i++) {
          sae.encode(x, 40, 16);
        }
        assertEquals(atLoad, sae.managedArrays(), a + ": arrays left on the SAE's manager");
      }
    }
  }
}
