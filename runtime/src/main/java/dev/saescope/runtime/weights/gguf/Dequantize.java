package dev.saescope.runtime.weights.gguf;

/**
 * Decodes ggml blocks into fp32, one tight loop per type over a {@code byte[]}.
 *
 * <p>Layouts: llama.cpp {@code ggml/src/ggml-common.h} (block structs) and {@code ggml-quants.c}
 * ({@code dequantize_row_*}); the order of float operations follows {@code gguf-py/gguf/quants.py}
 * ({@code dequantize_blocks}) so results are bit-identical to it (Java float arithmetic is IEEE
 * single precision without contraction, like numpy's float32). Summary with formulas in
 * GEMMA-NOTES.md §4.
 */
final class Dequantize {
  /** f16 bit pattern to float: a table is faster than converting each value. */
  private static final float[] F16 = new float[1 << 16];

  static {
    for (int i = 0; i < F16.length; i++) {
      F16[i] = Float.float16ToFloat((short) i);
    }
  }

  private Dequantize() {}

  /**
   * Decodes {@code nBlocks} blocks of {@code type} starting at {@code src[srcOff]} into {@code
   * dst[dstOff ..]} ({@code nBlocks * type.blockSize} floats).
   *
   * @throws IllegalArgumentException if the type is not {@link GgmlType#dequantizable()}
   */
  static void blocks(GgmlType type, byte[] src, int srcOff, int nBlocks, float[] dst, int dstOff) {
    switch (type) {
      case F32 -> f32(src, srcOff, nBlocks, dst, dstOff);
      case F16 -> f16(src, srcOff, nBlocks, dst, dstOff);
      case BF16 -> bf16(src, srcOff, nBlocks, dst, dstOff);
      case F64 -> f64(src, srcOff, nBlocks, dst, dstOff);
      case Q4_0 -> q4_0(src, srcOff, nBlocks, dst, dstOff);
      case Q4_1 -> q4_1(src, srcOff, nBlocks, dst, dstOff);
      case Q5_0 -> q5_0(src, srcOff, nBlocks, dst, dstOff);
      case Q5_1 -> q5_1(src, srcOff, nBlocks, dst, dstOff);
      case Q8_0 -> q8_0(src, srcOff, nBlocks, dst, dstOff);
      case Q4_K -> q4_k(src, srcOff, nBlocks, dst, dstOff);
      case Q5_K -> q5_k(src, srcOff, nBlocks, dst, dstOff);
      case Q6_K -> q6_k(src, srcOff, nBlocks, dst, dstOff);
      case Q2_K -> q2_k(src, srcOff, nBlocks, dst, dstOff);
      case Q3_K -> q3_k(src, srcOff, nBlocks, dst, dstOff);
      case IQ4_NL -> iq4_nl(src, srcOff, nBlocks, dst, dstOff);
      case IQ4_XS -> iq4_xs(src, srcOff, nBlocks, dst, dstOff);
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
          throw new IllegalArgumentException("no fp32 decoder for ggml type " + type);
    }
  }

  static float f16(byte[] b, int i) {
    return F16[(b[i] & 0xff) | (b[i + 1] & 0xff) << 8];
  }

  private static int u16(byte[] b, int i) {
    return (b[i] & 0xff) | (b[i + 1] & 0xff) << 8;
  }

  private static int i32(byte[] b, int i) {
    return (b[i] & 0xff)
        | (b[i + 1] & 0xff) << 8
        | (b[i + 2] & 0xff) << 16
        | (b[i + 3] & 0xff) << 24;
  }

  private static void f32(byte[] s, int p, int n, float[] d, int o) {
    for (int i = 0; i < n; i++, p += 4) {
      d[o + i] = Float.intBitsToFloat(i32(s, p));
    }
  }

  private static void f16(byte[] s, int p, int n, float[] d, int o) {
    for (int i = 0; i < n; i++, p += 2) {
      d[o + i] = F16[u16(s, p)];
    }
  }

  private static void bf16(byte[] s, int p, int n, float[] d, int o) {
    for (int i = 0; i < n; i++, p += 2) {
      d[o + i] = Float.intBitsToFloat(u16(s, p) << 16); // bf16 is the top half of an f32
    }
  }

  private static void f64(byte[] s, int p, int n, float[] d, int o) {
    for (int i = 0; i < n; i++, p += 8) {
      long bits = (i32(s, p) & 0xffffffffL) | ((long) i32(s, p + 4)) << 32;
      d[o + i] = (float) Double.longBitsToDouble(bits);
    }
  }

  /** block_q4_0 {f16 d; u8 qs[16]}: w[j] = d*((qs[j]&15)-8), w[j+16] = d*((qs[j]>>4)-8). */
  private static void q4_0(byte[] s, int p, int n, float[] d, int o) {
    for (int b = 0; b < n; b++, p += 18, o += 32) {
      float scale = f16(s, p);
      for (int j = 0; j < 16; j++) {
        int q = s[p + 2 + j] & 0xff;
        d[o + j] = scale * ((q & 15) - 8);
        d[o + j + 16] = scale * ((q >> 4) - 8);
      }
    }
  }

  /** block_q4_1 {f16 d, m; u8 qs[16]}: w = d*q + m. */
  private static void q4_1(byte[] s, int p, int n, float[] d, int o) {
    for (int b = 0; b < n; b++, p += 20, o += 32) {
      float scale = f16(s, p);
      float min = f16(s, p + 2);
      for (int j = 0; j < 16; j++) {
        int q = s[p + 4 + j] & 0xff;
        d[o + j] = scale * (q & 15) + min;
        d[o + j + 16] = scale * (q >> 4) + min;
      }
    }
  }

  /** block_q5_0 {f16 d; u32 qh; u8 qs[16]}: 5th bit of element j is bit j of qh; w = d*(q-16). */
  private static void q5_0(byte[] s, int p, int n, float[] d, int o) {
    for (int b = 0; b < n; b++, p += 22, o += 32) {
      float scale = f16(s, p);
      int qh = i32(s, p + 2);
      for (int j = 0; j < 16; j++) {
        int q = s[p + 6 + j] & 0xff;
        int lo = (q & 15) | ((qh >>> j) & 1) << 4;
        int hi = (q >> 4) | ((qh >>> (j + 16)) & 1) << 4;
        d[o + j] = scale * (lo - 16);
        d[o + j + 16] = scale * (hi - 16);
      }
    }
  }

  /** block_q5_1 {f16 d, m; u32 qh; u8 qs[16]}: w = d*q + m. */
  private static void q5_1(byte[] s, int p, int n, float[] d, int o) {
    for (int b = 0; b < n; b++, p += 24, o += 32) {
      float scale = f16(s, p);
      float min = f16(s, p + 2);
      int qh = i32(s, p + 4);
      for (int j = 0; j < 16; j++) {
        int q = s[p + 8 + j] & 0xff;
        int lo = (q & 15) | ((qh >>> j) & 1) << 4;
        int hi = (q >> 4) | ((qh >>> (j + 16)) & 1) << 4;
        d[o + j] = scale * lo + min;
        d[o + j + 16] = scale * hi + min;
      }
    }
  }

  /** block_q8_0 {f16 d; i8 qs[32]}: w = d*q. */
  private static void q8_0(byte[] s, int p, int n, float[] d, int o) {
    for (int b = 0; b < n; b++, p += 34, o += 32) {
      float scale = f16(s, p);
      for (int j = 0; j < 32; j++) {
        d[o + j] = s[p + 2 + j] * scale;
      }
    }
  }

  /**
   * Unpacks the 8 six-bit scales and mins of a K-quant super-block ({@code get_scale_min_k4} in
   * ggml-quants.c): j<4 low 6 bits of s[j], s[j+4]; j>=4 nibbles of s[j+4] plus top bits of s[j-4]
   * (scale) and s[j] (min).
   */
  private static void scaleMin(byte[] s, int p, int[] sc, int[] m) {
    for (int j = 0; j < 4; j++) {
      sc[j] = s[p + j] & 63;
      m[j] = s[p + j + 4] & 63;
    }
    for (int j = 4; j < 8; j++) {
      int b = s[p + j + 4] & 0xff;
      sc[j] = (b & 0xF) | ((s[p + j - 4] & 0xff) >> 6) << 4;
      m[j] = (b >> 4) | ((s[p + j] & 0xff) >> 6) << 4;
    }
  }

  /** block_q4_K {f16 d, dmin; u8 scales[12]; u8 qs[128]}: w = (d*sc)*q - (dmin*m) per 32. */
  private static void q4_k(byte[] s, int p, int n, float[] d, int o) {
    int[] sc = new int[8];
    int[] m = new int[8];
    for (int b = 0; b < n; b++, p += 144, o += 256) {
      float dd = f16(s, p);
      float dmin = f16(s, p + 2);
      scaleMin(s, p + 4, sc, m);
      int qs = p + 16;
      for (int c = 0; c < 4; c++) {
        float d1 = dd * sc[2 * c];
        float m1 = dmin * m[2 * c];
        float d2 = dd * sc[2 * c + 1];
        float m2 = dmin * m[2 * c + 1];
        int out = o + 64 * c;
        for (int l = 0; l < 32; l++) {
          int q = s[qs + 32 * c + l] & 0xff;
          d[out + l] = d1 * (q & 15) - m1;
          d[out + 32 + l] = d2 * (q >> 4) - m2;
        }
      }
    }
  }

  /** block_q5_K {f16 d, dmin; u8 scales[12]; u8 qh[32]; u8 qs[128]}: bit s of qh[l] is bit 4. */
  private static void q5_k(byte[] s, int p, int n, float[] d, int o) {
    int[] sc = new int[8];
    int[] m = new int[8];
    for (int b = 0; b < n; b++, p += 176, o += 256) {
      float dd = f16(s, p);
      float dmin = f16(s, p + 2);
      scaleMin(s, p + 4, sc, m);
      int qh = p + 16;
      int qs = p + 48;
      for (int c = 0; c < 4; c++) {
        int s1 = 2 * c;
        int s2 = 2 * c + 1;
        float d1 = dd * sc[s1];
        float m1 = dmin * m[s1];
        float d2 = dd * sc[s2];
        float m2 = dmin * m[s2];
        int out = o + 64 * c;
        for (int l = 0; l < 32; l++) {
          int q = s[qs + 32 * c + l] & 0xff;
          int h = s[qh + l] & 0xff;
          d[out + l] = d1 * ((q & 15) | ((h >> s1) & 1) << 4) - m1;
          d[out + 32 + l] = d2 * ((q >> 4) | ((h >> s2) & 1) << 4) - m2;
        }
      }
    }
  }

  /**
   * block_q6_K {u8 ql[128]; u8 qh[64]; i8 scales[16]; f16 d}: two halves of 128; element 128h + 32k
   * + l takes a nibble of ql and two bits of qh; w = (d*scales[e/16]) * (q - 32).
   */
  private static void q6_k(byte[] s, int p, int n, float[] d, int o) {
    float[] ds = new float[16];
    for (int b = 0; b < n; b++, p += 210, o += 256) {
      float dd = f16(s, p + 208);
      for (int i = 0; i < 16; i++) {
        ds[i] = dd * s[p + 192 + i];
      }
      for (int h = 0; h < 2; h++) {
        int ql = p + 64 * h;
        int qh = p + 128 + 32 * h;
        int out = o + 128 * h;
        int sb = 8 * h;
        for (int l = 0; l < 32; l++) {
          int a = s[ql + l] & 0xff;
          int c = s[ql + 32 + l] & 0xff;
          int hb = s[qh + l] & 0xff;
          int q0 = ((a & 15) | (hb & 3) << 4) - 32;
          int q1 = ((c & 15) | ((hb >> 2) & 3) << 4) - 32;
          int q2 = ((a >> 4) | ((hb >> 4) & 3) << 4) - 32;
          int q3 = ((c >> 4) | ((hb >> 6) & 3) << 4) - 32;
          int is = sb + l / 16;
          d[out + l] = ds[is] * q0;
          d[out + 32 + l] = ds[is + 2] * q1;
          d[out + 64 + l] = ds[is + 4] * q2;
          d[out + 96 + l] = ds[is + 6] * q3;
        }
      }
    }
  }

  /**
   * block_q2_K {u8 scales[16]; u8 qs[64]; f16 d, dmin}: element 128h + 32k + l is bits 2k..2k+1 of
   * qs[32h + l]; sub-block e/16 has scale d*(sc&15) and min dmin*(sc>>4).
   */
  private static void q2_k(byte[] s, int p, int n, float[] d, int o) {
    float[] dl = new float[16];
    float[] ml = new float[16];
    for (int b = 0; b < n; b++, p += 84, o += 256) {
      float dd = f16(s, p + 80);
      float dmin = f16(s, p + 82);
      for (int i = 0; i < 16; i++) {
        int sc = s[p + i] & 0xff;
        dl[i] = dd * (sc & 15);
        ml[i] = dmin * (sc >> 4);
      }
      for (int h = 0; h < 2; h++) {
        for (int k = 0; k < 4; k++) {
          int out = o + 128 * h + 32 * k;
          int is = 8 * h + 2 * k;
          for (int l = 0; l < 32; l++) {
            int q = ((s[p + 16 + 32 * h + l] & 0xff) >> (2 * k)) & 3;
            int i = is + l / 16;
            d[out + l] = dl[i] * q - ml[i];
          }
        }
      }
    }
  }

  /**
   * block_q3_K {u8 hmask[32]; u8 qs[64]; u8 scales[12]; f16 d}: 2 low bits as in Q2_K, the third
   * bit (inverted: 0 means subtract 4) is bit 4h+k of hmask[l]; 16 six-bit signed scales.
   */
  private static void q3_k(byte[] s, int p, int n, float[] d, int o) {
    float[] dl = new float[16];
    for (int b = 0; b < n; b++, p += 110, o += 256) {
      float dd = f16(s, p + 108);
      int sp = p + 96;
      for (int i = 0; i < 16; i++) {
        int lo = i < 8 ? s[sp + i] & 0xF : (s[sp + i - 8] & 0xff) >> 4;
        int hi = ((s[sp + 8 + i % 4] & 0xff) >> (2 * (i / 4))) & 3;
        dl[i] = dd * ((lo | hi << 4) - 32);
      }
      for (int h = 0; h < 2; h++) {
        for (int k = 0; k < 4; k++) {
          int out = o + 128 * h + 32 * k;
          int is = 8 * h + 2 * k;
          int bit = 4 * h + k;
          for (int l = 0; l < 32; l++) {
            int q = ((s[p + 32 + 32 * h + l] & 0xff) >> (2 * k)) & 3;
            int high = ((s[p + l] & 0xff) >> bit) & 1;
            d[out + l] = dl[is + l / 16] * (q - (high == 0 ? 4 : 0));
          }
        }
      }
    }
  }

  /** The 16 non-linear 4-bit levels of IQ4_NL / IQ4_XS (ggml-common.h {@code kvalues_iq4nl}). */
  private static final int[] KVALUES_IQ4NL = {
    -127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113
  };

  /** block_iq4_nl {f16 d; u8 qs[16]}: w = d * kvalues[nibble], low nibbles first. */
  private static void iq4_nl(byte[] s, int p, int n, float[] d, int o) {
    for (int b = 0; b < n; b++, p += 18, o += 32) {
      float scale = f16(s, p);
      for (int j = 0; j < 16; j++) {
        int q = s[p + 2 + j] & 0xff;
        d[o + j] = scale * KVALUES_IQ4NL[q & 15];
        d[o + j + 16] = scale * KVALUES_IQ4NL[q >> 4];
      }
    }
  }

  /**
   * block_iq4_xs {f16 d; u16 scales_h; u8 scales_l[4]; u8 qs[128]}: 8 sub-blocks of 32 with six-bit
   * signed scales; values as IQ4_NL.
   */
  private static void iq4_xs(byte[] s, int p, int n, float[] d, int o) {
    for (int b = 0; b < n; b++, p += 136, o += 256) {
      float dd = f16(s, p);
      int scalesH = u16(s, p + 2);
      for (int ib = 0; ib < 8; ib++) {
        int lo = ((s[p + 4 + ib / 2] & 0xff) >> (4 * (ib % 2))) & 0xF;
        int hi = (scalesH >> (2 * ib)) & 3;
        float dl = dd * ((lo | hi << 4) - 32);
        int qs = p + 8 + 16 * ib;
        int out = o + 32 * ib;
        for (int j = 0; j < 16; j++) {
          int q = s[qs + j] & 0xff;
          d[out + j] = dl * KVALUES_IQ4NL[q & 15];
          d[out + j + 16] = dl * KVALUES_IQ4NL[q >> 4];
        }
      }
    }
  }
}
