package dev.saescope.runtime.weights.gguf;

/**
 * ggml tensor types as numbered in a GGUF tensor-info, with their block geometry. Every type
 * llama.cpp writes is listed, so any GGUF opens and its sizes are checked; {@link #dequantizable()}
 * says which ones saescope can turn into fp32.
 *
 * <p>Ids and (block elements, block bytes): llama.cpp {@code gguf-py/gguf/constants.py} {@code
 * GGMLQuantizationType} and {@code GGML_QUANT_SIZES} (checked against gguf 0.19.0).
 */
public enum GgmlType {
  F32(0, 1, 4),
  F16(1, 1, 2),
  Q4_0(2, 32, 18),
  Q4_1(3, 32, 20),
  Q5_0(6, 32, 22),
  Q5_1(7, 32, 24),
  Q8_0(8, 32, 34),
  Q8_1(9, 32, 40),
  Q2_K(10, 256, 84),
  Q3_K(11, 256, 110),
  Q4_K(12, 256, 144),
  Q5_K(13, 256, 176),
  Q6_K(14, 256, 210),
  Q8_K(15, 256, 292),
  IQ2_XXS(16, 256, 66),
  IQ2_XS(17, 256, 74),
  IQ3_XXS(18, 256, 98),
  IQ1_S(19, 256, 50),
  IQ4_NL(20, 32, 18),
  IQ3_S(21, 256, 110),
  IQ2_S(22, 256, 82),
  IQ4_XS(23, 256, 136),
  I8(24, 1, 1),
  I16(25, 1, 2),
  I32(26, 1, 4),
  I64(27, 1, 8),
  F64(28, 1, 8),
  IQ1_M(29, 256, 56),
  BF16(30, 1, 2),
  TQ1_0(34, 256, 54),
  TQ2_0(35, 256, 66),
  MXFP4(39, 32, 17);

  private static final GgmlType[] BY_ID = new GgmlType[64];

  static {
    for (GgmlType t : values()) {
      BY_ID[t.id] = t;
    }
  }

  /** The number in the file. */
  public final int id;

  /** Elements per block; rows ({@code ne[0]}) are whole blocks. */
  public final int blockSize;

  /** Bytes per block. */
  public final int typeSize;

  GgmlType(int id, int blockSize, int typeSize) {
    this.id = id;
    this.blockSize = blockSize;
    this.typeSize = typeSize;
  }

  /** The type with this id, or null if llama.cpp has no such type (or a removed one). */
  public static GgmlType byId(int id) {
    return id >= 0 && id < BY_ID.length ? BY_ID[id] : null;
  }

  /** Bytes taken by {@code elements} values (a multiple of {@link #blockSize}). */
  public long bytesFor(long elements) {
    return Math.multiplyExact(elements / blockSize, (long) typeSize);
  }

  /** The decodable types, for messages. */
  public static String supportedList() {
    StringBuilder b = new StringBuilder();
    for (GgmlType t : values()) {
      if (t.dequantizable()) {
        b.append(b.isEmpty() ? "" : ", ").append(t);
      }
    }
    return b.toString();
  }

  /** Whether {@link Dequantize} can turn this type into fp32. */
  public boolean dequantizable() {
    return switch (this) {
      case F32,
          F16,
          BF16,
          F64,
          Q4_0,
          Q4_1,
          Q5_0,
          Q5_1,
          Q8_0,
          Q2_K,
          Q3_K,
          Q4_K,
          Q5_K,
          Q6_K,
          IQ4_NL,
          IQ4_XS ->
          true;
      case Q8_1,
          Q8_K,
          IQ2_XXS,
          IQ2_XS,
          IQ3_XXS,
          IQ1_S,
          IQ3_S,
          IQ2_S,
          I8,
          I16,
          I32,
          I64,
          IQ1_M,
          TQ1_0,
          TQ2_0,
          MXFP4 ->
          false;
    };
  }
}
