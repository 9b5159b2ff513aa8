package dev.saescope.runtime.weights.gguf;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * One metadata value of a GGUF file.
 *
 * <p>Representation of {@link #value()} by {@link #type()}: every integer type as {@link Long}
 * (UINT64 above 2^63 wraps, as in C), FLOAT32/FLOAT64 as {@link Double} (exact), BOOL as {@link
 * Boolean}, STRING as {@link String}; ARRAY by element type: integers {@code long[]}, floats {@code
 * double[]}, bools {@code boolean[]}, strings {@code String[]}, nested arrays {@code GgufValue[]}.
 *
 * @param type the value type in the file
 * @param elementType for arrays, the element type; otherwise null
 * @param value see above
 */
public record GgufValue(Type type, Type elementType, Object value) {

  /** GGUF metadata value types (llama.cpp {@code gguf-py/gguf/constants.py} GGUFValueType). */
  public enum Type {
    UINT8(0),
    INT8(1),
    UINT16(2),
    INT16(3),
    UINT32(4),
    INT32(5),
    FLOAT32(6),
    BOOL(7),
    STRING(8),
    ARRAY(9),
    UINT64(10),
    INT64(11),
    FLOAT64(12);

    final int id;

    Type(int id) {
      this.id = id;
    }

    static Type byId(int id) {
      for (Type t : values()) {
        if (t.id == id) {
          return t;
        }
      }
      return null;
    }

    boolean isInteger() {
      return switch (this) {
        case UINT8, INT8, UINT16, INT16, UINT32, INT32, UINT64, INT64 -> true;
        case FLOAT32, FLOAT64, BOOL, STRING, ARRAY -> false;
      };
    }

    boolean isFloat() {
      return this == FLOAT32 || this == FLOAT64;
    }
  }

  public GgufValue {
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(value, "value");
    if ((type == Type.ARRAY) != (elementType != null)) {
      throw new IllegalArgumentException("elementType is set exactly for arrays");
    }
  }

  /** Number of elements of an array value. */
  public int length() {
    return switch (value) {
      case long[] a -> a.length;
      case double[] a -> a.length;
      case boolean[] a -> a.length;
      case String[] a -> a.length;
      case GgufValue[] a -> a.length;
      default -> throw new IllegalStateException("not an array: " + type);
    };
  }

  /** A readable form for messages and listings; long arrays are abbreviated. */
  @Override
  public String toString() {
    if (type != Type.ARRAY) {
      return type == Type.STRING ? '"' + (String) value + '"' : String.valueOf(value);
    }
    String head =
        switch (value) {
          case long[] a -> Arrays.toString(Arrays.copyOf(a, Math.min(a.length, 8)));
          case double[] a -> Arrays.toString(Arrays.copyOf(a, Math.min(a.length, 8)));
          case boolean[] a -> Arrays.toString(Arrays.copyOf(a, Math.min(a.length, 8)));
          case String[] a -> List.of(Arrays.copyOf(a, Math.min(a.length, 8))).toString();
          case GgufValue[] a -> Arrays.toString(Arrays.copyOf(a, Math.min(a.length, 8)));
          default -> String.valueOf(value);
        };
    return elementType + "[" + length() + "]" + (length() > 8 ? head.replace("]", ", ...]") : head);
  }
}
