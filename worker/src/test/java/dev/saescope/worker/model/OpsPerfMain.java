package dev.saescope.worker.model;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import java.util.function.UnaryOperator;

/** Developer harness: time elementwise ops on [1024, 2048] through DJL. */
public final class OpsPerfMain {
  private OpsPerfMain() {}

  public static void main(String[] args) {
    EngineSettings.apply();
    try (NDManager m = Engine.getEngine("PyTorch").newBaseManager()) {
      NDArray x = m.randomNormal(new Shape(1024, 2048));
      time("tanh", x, NDArray::tanh);
      time("sigmoid", x, Activation::sigmoid);
      time("exp", x, NDArray::exp);
      time("mul", x, a -> a.mul(a));
      time("gelu(erf)", x, Activation::gelu);
      time("geluTanh(ours)", x, Ops::geluTanh);
      System.out.println(ai.djl.pytorch.jni.JniUtils.getFeatures());
    }
  }

  static void time(String name, NDArray x, UnaryOperator<NDArray> f) {
    try (NDManager sub = x.getManager().newSubManager()) {
      NDArray y = x.duplicate();
      y.attach(sub);
      f.apply(y);
      long t0 = System.nanoTime();
      for (int i = 0; i < 10; i++) {
        f.apply(y);
      }
      System.out.printf("%s: %.2f ms%n", name, (System.nanoTime() - t0) / 1e7);
    }
  }
}
