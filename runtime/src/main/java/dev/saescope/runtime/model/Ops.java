package dev.saescope.runtime.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.nn.Activation;
import ai.djl.nn.core.Linear;

/**
 * The elementwise pieces of the Gemma forward pass, written as the same operations, in the same
 * order, as transformers' {@code modeling_gemma2.py} / {@code modeling_gemma3.py} (v5.24), so that
 * results agree to accumulation-order rounding (tanh-GELU is the one rewritten identity, see {@link
 * #geluTanh}). Every result lives in the manager of the first operand (the activation), never in
 * the weights' manager.
 *
 * <p>In bf16 or fp16 each operation rounds its result to that precision, as PyTorch's kernels do
 * (they compute in fp32 internally). Where transformers computes a whole function in fp32 (RMSNorm,
 * the attention softmax) or PyTorch has one fused kernel (tanh-GELU: one rounding at the end), the
 * function here runs in fp32 and rounds once. In fp32 the casts are no-ops.
 */
final class Ops {
  private Ops() {}

  /**
   * 2 sqrt(2/pi) and 2 sqrt(2/pi) 0.044715: tanh-GELU's constants (PyTorch GeluKernel), doubled.
   */
  private static final double GELU_BETA = Math.sqrt(2.0 / Math.PI);

  private static final float TWO_BETA = (float) (2 * GELU_BETA);
  private static final float TWO_BETA_KAPPA = (float) (2 * GELU_BETA * 0.044715);

  /**
   * {@code x @ w^T}, as {@code nn.Linear} without bias. x: [..., in], w: [out, in] → [..., out].
   */
  static NDArray linear(NDArray x, NDArray w) {
    return Linear.linear(x, w).singletonOrThrow();
  }

  /**
   * Gemma RMSNorm with the (1 + w) scale already folded into {@code scale}: {@code x *
   * rsqrt(mean(x^2) + eps) * scale} over the last axis (Gemma3RMSNorm._norm/forward).
   */
  static NDArray rmsNorm(NDArray x, NDArray scale, float eps) {
    NDArray xf = Precision.fp32(x); // x.float(): scale is fp32 in every precision
    int last = xf.getShape().dimension() - 1;
    NDArray meanSq = xf.mul(xf).mean(new int[] {last}, true); // x.pow(2): torch computes x * x
    meanSq.addi(eps);
    NDArray rsqrt = NDArrays.div(1f, meanSq.sqrt()); // torch.rsqrt on CPU is 1 / sqrt
    NDArray y = xf.mul(rsqrt);
    y.muli(scale);
    return Precision.to(y, Precision.of(x)); // .type_as(x)
  }

  /**
   * {@code gelu(x, approximate="tanh")} = {@code 0.5 x (1 + tanh(u))}, u = sqrt(2/pi) (x + 0.044715
   * x^3), computed as the identical {@code x sigmoid(2u)}. transformers calls PyTorch's fused
   * kernel, which DJL does not expose (its {@code gelu} is the erf form); composing it from {@code
   * aten::tanh} was several times slower than {@code aten::sigmoid} in this libtorch build (16 ms
   * vs 2-5 ms per [1024, 2048] in our profiles). The results differ from the fused kernel by a few
   * ulp of the inner argument; the golden tests bound the effect.
   */
  static NDArray geluTanh(NDArray x) {
    NDArray xf = Precision.fp32(x); // the fused kernel's fp32 arithmetic
    NDArray u2 = xf.mul(xf);
    u2.muli(TWO_BETA_KAPPA);
    u2.addi(TWO_BETA);
    u2.muli(xf); // 2u = x (2 beta + 2 beta kappa x^2)
    NDArray y = Activation.sigmoid(u2);
    y.muli(xf);
    return Precision.to(y, Precision.of(x));
  }

  /**
   * Softmax over {@code axis} in fp32, rounded back: {@code softmax(x, dtype=float32).to(dtype)}.
   */
  static NDArray softmaxFp32(NDArray x, int axis) {
    return Precision.to(Precision.fp32(x).softmax(axis), Precision.of(x));
  }

  /** {@code tanh(x / cap) * cap} in place of a fresh array; cap 0 returns x unchanged. */
  static NDArray softcap(NDArray x, float cap) {
    if (cap == 0f) {
      return x;
    }
    x.divi(cap);
    NDArray t = x.tanh();
    t.muli(cap);
    return t;
  }

  /**
   * Split-half (NeoX) rotary embedding: {@code x cos + rotate_half(x) sin}, rotate_half(x) =
   * cat(-x[D/2:], x[:D/2]). x: [batch, seq, heads, D]; cos, sin: [1, seq, 1, D].
   */
  static NDArray rope(NDArray x, NDArray cos, NDArray sin) {
    int last = x.getShape().dimension() - 1;
    long half = x.getShape().get(last) / 2;
    NDList halves = x.split(new long[] {half}, last);
    NDArray rotated = NDArrays.concat(new NDList(halves.get(1).neg(), halves.get(0)), last);
    NDArray out = x.mul(cos);
    rotated.muli(sin);
    out.addi(rotated);
    return out;
  }
}
