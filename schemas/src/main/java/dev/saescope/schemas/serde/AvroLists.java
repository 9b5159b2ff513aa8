package dev.saescope.schemas.serde;

import java.util.ArrayList;
import java.util.List;

/** Boxed Avro lists to and from primitive arrays (generated classes use {@code List<Integer>}). */
final class AvroLists {
  private AvroLists() {}

  static List<Integer> ints(int[] a) {
    List<Integer> out = new ArrayList<>(a.length);
    for (int v : a) {
      out.add(v);
    }
    return out;
  }

  static int[] ints(List<Integer> a) {
    int[] out = new int[a.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = a.get(i);
    }
    return out;
  }

  static List<Float> floatList(float[] a) {
    List<Float> out = new ArrayList<>(a.length);
    for (float v : a) {
      out.add(v);
    }
    return out;
  }

  static float[] floats(List<Float> a) {
    float[] out = new float[a.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = a.get(i);
    }
    return out;
  }
}
