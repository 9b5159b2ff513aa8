package dev.saescope.runtime.model;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.saescope.runtime.device.EngineSettings;
import java.nio.FloatBuffer;

/**
 * Developer harness (not CI, needs ~5 GB): uploads a gemma-2-2b-sized embedding, [256000, 2304]
 * fp32 = 2.36 GB, more than one direct ByteBuffer can hold, and checks sampled rows.
 */
public final class BigTensorMain {
  private BigTensorMain() {}

  public static void main(String[] args) {
    EngineSettings.apply();
    int rows = 256000;
    int cols = 2304;
    float[] data = new float[rows * cols];
    for (int i = 0; i < data.length; i++) {
      data[i] = (i % 1000003) * 1e-3f;
    }
    try (NDManager m = Engine.getEngine("PyTorch").newBaseManager()) {
      long t0 = System.nanoTime();
      NDArray big =
          DeviceWeights.createInBlocks(
              m, FloatBuffer.wrap(data), DeviceWeights.STAGING_BYTES, rows, cols);
      System.out.printf("uploaded %s in %.1f s%n", big.getShape(), (System.nanoTime() - t0) / 1e9);
      for (int r : new int[] {0, 1, 56888, 113777, 200000, rows - 1}) {
        float[] got = big.get(r).toFloatArray();
        for (int c = 0; c < cols; c++) {
          if (got[c] != data[r * cols + c]) {
            throw new AssertionError(
                "row " + r + " col " + c + ": " + got[c] + " != " + data[r * cols + c]);
          }
        }
      }
      System.out.println("sampled rows equal");
    }
  }
}
