package dev.saescope.runtime.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import dev.saescope.runtime.config.ModelConfig;

/**
 * The decoder layer (Gemma2DecoderLayer / Gemma3DecoderLayer.forward in transformers 5.24) on
 * [batch*seq, dModel] activations, with a {@link PassState} consulted at every capture site.
 */
final class Decoder {
  private final ModelConfig config;
  private final DeviceWeights weights;
  private final float eps;
  private final float scaling;

  Decoder(ModelConfig config, DeviceWeights weights) {
    this.config = config;
    this.weights = weights;
    this.eps = (float) config.rmsNormEps();
    // transformers: scaling = query_pre_attn_scalar ** -0.5 (a Python float), applied to the
    // scores in the pass's precision.
    this.scaling = (float) Math.pow(config.queryPreAttnScalar(), -0.5);
  }

  float eps() {
    return eps;
  }

  /** One decoder layer. x: [batch*seq, dModel] → [batch*seq, dModel]. */
  NDArray layer(int l, NDArray x, BatchInputs in, PassState pass) {
    LayerTensors w = weights.layers.get(l);
    x = pass.at(l, Site.RESID_PRE, x);
    NDArray z =
        pass.at(l, Site.ATTN_Z, attention(l, Ops.rmsNorm(x, w.inputNorm(), eps), in)); // [b*s, H*D]
    NDArray attnOut = Ops.rmsNorm(Ops.linear(z, w.o()), w.postAttnNorm(), eps);
    NDArray mid = x.add(attnOut); // resid_mid
    NDArray gateUp = Ops.linear(Ops.rmsNorm(mid, w.preMlpNorm(), eps), w.gateUp()); // [b*s, 2 dMlp]
    NDList parts = gateUp.split(2, 1);
    NDArray act = Ops.geluTanh(parts.get(0));
    act.muli(parts.get(1));
    NDArray mlpOut =
        pass.at(l, Site.MLP_OUT, Ops.rmsNorm(Ops.linear(act, w.down()), w.postMlpNorm(), eps));
    return pass.at(l, Site.RESID_POST, mid.add(mlpOut));
  }

  /**
   * Grouped-query self-attention up to (not including) o_proj. h: [b*s, dModel] → z: [b*s, H*D],
   * head-major. Query heads g*G .. g*G+G-1 share kv head g (transformers' repeat_kv), so q is
   * viewed as [b, KV, G*s, D] and multiplied by k once per kv head: no copies of k or v.
   */
  private NDArray attention(int l, NDArray h, BatchInputs in) {
    LayerTensors w = weights.layers.get(l);
    ModelConfig.AttentionKind kind = config.layerKinds().get(l);
    int b = in.batch;
    int s = in.seq;
    int nh = config.nHeads();
    int kvh = config.nKvHeads();
    int d = config.headDim();
    int g = nh / kvh;
    NDArray qkv = Ops.linear(h, w.qkv()); // [b*s, (H + 2 KV) D]
    NDList parts = qkv.split(new long[] {(long) nh * d, (long) (nh + kvh) * d}, 1);
    NDArray q = parts.get(0).reshape(b, s, nh, d);
    NDArray k = parts.get(1).reshape(b, s, kvh, d);
    NDArray v = parts.get(2).reshape(b, s, kvh, d);
    if (config.qkNorm()) { // Gemma 3: per-head RMSNorm of q and k before RoPE
      q = Ops.rmsNorm(q, w.qNorm(), eps);
      k = Ops.rmsNorm(k, w.kNorm(), eps);
    }
    q = Ops.rope(q, in.cos(kind), in.sin(kind));
    k = Ops.rope(k, in.cos(kind), in.sin(kind));
    NDArray qg = q.transpose(0, 2, 1, 3).reshape(b, kvh, (long) g * s, d); // [b, KV, G*s, D]
    NDArray kt = k.transpose(0, 2, 3, 1); // [b, KV, D, s]
    NDArray scores = qg.matMul(kt); // [b, KV, G*s, s]
    scores.muli(scaling);
    scores = Ops.softcap(scores, (float) config.attnLogitSoftcap());
    scores = scores.reshape(b, kvh, g, s, s);
    scores.addi(in.mask(kind)); // the mask goes on after the soft-cap, as in transformers
    NDArray probs = Ops.softmaxFp32(scores, 4).reshape(b, kvh, (long) g * s, s);
    NDArray z = probs.matMul(v.transpose(0, 2, 1, 3)); // [b, KV, G*s, D] = [b, H, s, D]
    return z.reshape(b, nh, s, d).transpose(0, 2, 1, 3).reshape((long) b * s, (long) nh * d);
  }
}
