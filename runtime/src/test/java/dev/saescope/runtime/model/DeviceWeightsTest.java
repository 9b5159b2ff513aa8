package dev.saescope.runtime.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.saescope.runtime.device.EngineSettings;
import java.nio.FloatBuffer;
import org.junit.jupiter.api.Test;

/** Block-wise upload through the staging buffer (the path of every weight), with tiny blocks. */
class DeviceWeightsTest {
  @Test
  void blockUploadEqualsOneShotUpload() {
    EngineSettings.apply();
    float[] data = new float[10 * 7 * 3];
    for (int i = 0; i < data.length; i++) {
      data[i] = i * 0.5f - 3;
    }
    try (NDManager m = Engine.getEngine("PyTorch").newBaseManager()) {
      for (int block : new int[] {7 * 3 * 4, 2 * 7 * 3 * 4 + 5, 3 * 7 * 3 * 4, 1 << 20}) {
        NDArray a = DeviceWeights.createInBlocks(m, FloatBuffer.wrap(data), block, 10, 7, 3);
        assertArrayEquals(new long[] {10, 7, 3}, a.getShape().getShape());
        assertArrayEquals(data, a.toFloatArray(), "block size " + block);
      }
      // a buffer whose position is not 0 (e.g. a view into a larger mapped file)
      float[] padded = new float[data.length + 5];
      System.arraycopy(data, 0, padded, 5, data.length);
      NDArray b =
          DeviceWeights.createInBlocks(
              m, FloatBuffer.wrap(padded).position(5), 7 * 3 * 4 * 3, 10, 21);
      assertArrayEquals(data, b.toFloatArray());
    }
  }
}
