package dev.saescope.runtime.model;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.pytorch.engine.PtNDManager;
import ai.djl.pytorch.engine.PtSymbolBlock;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.ParameterStore;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/**
 * Casts between the compute precisions on the engine.
 *
 * <p>DJL 0.36's PyTorch JNI has no code for bfloat16: {@code toType(DataType.BFLOAT16)} reaches a
 * bare {@code throw;} in its native type mapping and terminates the JVM, and a bf16 array reports
 * {@link DataType#UNKNOWN}. Every other operation on bf16 arrays runs in libtorch unchanged. So the
 * cast into bf16 goes through a one-line TorchScript module ({@code to_bf16.pt}: {@code
 * x.to(torch.bfloat16)}, made by {@code tools/make_bf16_cast.py}), and {@link #of} reads UNKNOWN as
 * bf16 (the forward pass creates no other array of an unknown type).
 */
public final class Precision {
  private static final String MODULE = "to_bf16.pt";
  private static volatile PtSymbolBlock toBf16;
  private static NDManager moduleManager;

  private Precision() {}

  /** The precision of {@code x}: its DJL type, with UNKNOWN read as bf16 (see above). */
  public static DataType of(NDArray x) {
    DataType t = x.getDataType();
    return t == DataType.UNKNOWN ? DataType.BFLOAT16 : t;
  }

  /**
   * {@code x} in {@code target} precision (round to nearest even, as torch's {@code .to}); x itself
   * when it already is. The result lives in x's manager.
   */
  public static NDArray to(NDArray x, DataType target) {
    if (of(x) == target) {
      return x;
    }
    if (target == DataType.BFLOAT16) {
      NDArray source = x.getDataType() == DataType.FLOAT32 ? x : x.toType(DataType.FLOAT32, false);
      // training = true: DJL runs an inference call under torch's InferenceMode, whose outputs
      // refuse the in-place updates the forward pass makes; the module has no parameters and the
      // input needs no gradient, so nothing else changes.
      return module()
          .forward(new ParameterStore(x.getManager(), false), new NDList(source), true)
          .singletonOrThrow();
    }
    return x.toType(target, false);
  }

  /** {@code x} in fp32, e.g. before it is copied to Java or reduced. */
  public static NDArray fp32(NDArray x) {
    return to(x, DataType.FLOAT32);
  }

  private static PtSymbolBlock module() {
    PtSymbolBlock m = toBf16;
    if (m == null) {
      synchronized (Precision.class) {
        if (toBf16 == null) {
          moduleManager = Engine.getEngine("PyTorch").newBaseManager();
          try (InputStream in = Precision.class.getResourceAsStream(MODULE)) {
            if (in == null) {
              throw new IllegalStateException(MODULE + " is missing from the runtime jar");
            }
            toBf16 = JniUtils.loadModule((PtNDManager) moduleManager, in, true, false);
          } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + MODULE, e);
          }
        }
        m = toBf16;
      }
    }
    return m;
  }
}
