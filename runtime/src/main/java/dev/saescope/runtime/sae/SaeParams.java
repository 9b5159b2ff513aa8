package dev.saescope.runtime.sae;

import dev.saescope.runtime.model.HookPoint;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Objects;
import java.util.Optional;

/**
 * An SAE's weights in host memory, row-major fp32, with its metadata: what loaders produce and
 * savers consume.
 *
 * @param meta metadata; {@code meta.hash()} is the hash of these weights
 * @param wEnc {@code [dIn, dSae]}
 * @param bEnc {@code [dSae]}
 * @param wDec {@code [dSae, dIn]}
 * @param bDec {@code [dIn]}
 * @param threshold {@code [dSae]} for JumpReLU, empty ({@code length 0}) otherwise
 */
public record SaeParams(
    SaeMetadata meta, float[] wEnc, float[] bEnc, float[] wDec, float[] bDec, float[] threshold) {
  public SaeParams {
    Objects.requireNonNull(meta, "meta");
    long dIn = meta.dIn();
    long dSae = meta.dSae();
    check(meta, "W_enc", wEnc.length, dIn * dSae);
    check(meta, "b_enc", bEnc.length, dSae);
    check(meta, "W_dec", wDec.length, dIn * dSae);
    check(meta, "b_dec", bDec.length, dIn);
    long wantThreshold =
        switch (meta.activation()) {
          case Activation.JumpRelu j -> dSae;
          case Activation.TopK t -> 0;
          case Activation.Relu r -> 0;
        };
    check(meta, "threshold", threshold.length, wantThreshold);
  }

  private static void check(SaeMetadata meta, String name, long got, long want) {
    if (got != want) {
      throw new IllegalArgumentException(
          meta.source() + ": " + name + " has " + got + " values, expected " + want);
    }
  }

  /**
   * Builds parameters, computing the content hash.
   *
   * @param threshold {@code [dSae]} for JumpReLU, {@code null} or empty otherwise
   */
  public static SaeParams of(
      String modelId,
      Optional<HookPoint> hook,
      int dIn,
      int dSae,
      Activation activation,
      boolean applyBDecToInput,
      String source,
      float[] wEnc,
      float[] bEnc,
      float[] wDec,
      float[] bDec,
      float[] threshold) {
    float[] thr = threshold == null ? new float[0] : threshold;
    String hash = hash(activation, applyBDecToInput, wEnc, bEnc, wDec, bDec, thr);
    SaeMetadata meta =
        new SaeMetadata(modelId, hook, dIn, dSae, activation, applyBDecToInput, hash, source);
    return new SaeParams(meta, wEnc, bEnc, wDec, bDec, thr);
  }

  /** SHA-256 over the activation and the raw fp32 weights, first 16 hex digits. */
  static String hash(Activation activation, boolean applyBDec, float[]... arrays) {
    MessageDigest md;
    try {
      md = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required by every Java runtime", e);
    }
    md.update((activation + "/" + applyBDec).getBytes(StandardCharsets.UTF_8));
    ByteBuffer buf = ByteBuffer.allocate(1 << 20).order(ByteOrder.LITTLE_ENDIAN);
    for (float[] a : arrays) {
      for (int at = 0; at < a.length; ) {
        int n = Math.min(buf.capacity() / 4, a.length - at);
        buf.clear();
        buf.asFloatBuffer().put(a, at, n);
        buf.limit(n * 4);
        md.update(buf);
        at += n;
      }
    }
    return HexFormat.of().formatHex(md.digest()).substring(0, 16);
  }
}
