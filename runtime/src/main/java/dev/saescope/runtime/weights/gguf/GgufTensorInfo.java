package dev.saescope.runtime.weights.gguf;

import java.util.Arrays;

/**
 * One tensor's entry in a GGUF file.
 *
 * @param name the GGUF name, e.g. {@code blk.0.attn_q.weight}
 * @param ne ggml dimensions, fastest-varying first: a Linear weight {@code [out, in]} is {@code ne
 *     = [in, out]} (the writer reverses numpy's shape; GEMMA-NOTES.md §4)
 * @param type storage type
 * @param offset absolute file position of the first byte
 * @param byteSize bytes of data
 */
public record GgufTensorInfo(String name, long[] ne, GgmlType type, long offset, long byteSize) {
  public GgufTensorInfo {
    ne = ne.clone();
  }

  @Override
  public long[] ne() {
    return ne.clone();
  }

  /** Number of elements. */
  public long elements() {
    long n = 1;
    for (long d : ne) {
      n *= d;
    }
    return n;
  }

  /** Row length: {@code ne[0]} (1 for a scalar). */
  public long rowLength() {
    return ne.length == 0 ? 1 : ne[0];
  }

  /** Number of rows: the product of {@code ne[1..]}. */
  public long rows() {
    return elements() / Math.max(1, rowLength());
  }

  /** The row-major (numpy / Hugging Face) shape: {@code ne} reversed. */
  public long[] shape() {
    long[] s = new long[ne.length];
    for (int i = 0; i < ne.length; i++) {
      s[i] = ne[ne.length - 1 - i];
    }
    return s;
  }

  @Override
  public String toString() {
    return name + " " + type + " ne=" + Arrays.toString(ne);
  }
}
