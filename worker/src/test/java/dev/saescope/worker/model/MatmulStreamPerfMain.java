package dev.saescope.worker.model;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

/** Developer harness: the forward's 72 projections with 18 distinct weight sets vs one reused set. */
public final class MatmulStreamPerfMain {
  private MatmulStreamPerfMain() {}

  public static void main(String[] args) {
    EngineSettings.apply();
    long[][] shapes = {{1536, 640}, {640, 1024}, {4096, 640}, {640, 2048}}; // [out, in]
    try (NDManager m = Engine.getEngine("PyTorch").newBaseManager()) {
      NDArray[][] w = new NDArray[18][4];
      for (int l = 0; l < 18; l++) {
        for (int i = 0; i < 4; i++) {
          w[l][i] = m.randomNormal(new Shape(shapes[i])).muli(0.02f);
        }
      }
      NDArray[] x = new NDArray[4];
      for (int i = 0; i < 4; i++) {
        x[i] = m.randomNormal(new Shape(1024, shapes[i][1]));
      }
      double flops = 0;
      for (long[] s : shapes) {
        flops += 2.0 * 1024 * s[0] * s[1] * 18;
      }
      for (int round = 0; round < 4; round++) {
        for (boolean distinct : new boolean[] {true, false}) {
          long t0 = System.nanoTime();
          for (int l = 0; l < 18; l++) {
            for (int i = 0; i < 4; i++) {
              Ops.linear(x[i], w[distinct ? l : 0][i]).close();
            }
          }
          double s = (System.nanoTime() - t0) / 1e9;
          System.out.printf("%s weights: %.3f s, %.1f GFLOP/s%n", distinct ? "distinct" : "same    ", s, flops / s / 1e9);
        }
      }
    }
  }
}
