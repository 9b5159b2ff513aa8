package dev.saescope.schemas;

import java.util.List;

/** Checks shared by the records' compact constructors; every message names the field and owner. */
final class Require {
  private Require() {}

  static String nonBlank(String value, String field, String owner) {
    if (value == null || value.isBlank()) {
      throw new IllegalArgumentException(owner + ": " + field + " is missing or blank");
    }
    return value;
  }

  static int nonNegative(int value, String field, String owner) {
    if (value < 0) {
      throw new IllegalArgumentException(owner + ": " + field + " is negative: " + value);
    }
    return value;
  }

  static <T> T nonNull(T value, String field, String owner) {
    if (value == null) {
      throw new IllegalArgumentException(owner + ": " + field + " is null");
    }
    return value;
  }

  /** An immutable copy of {@code values}, which must be non-null and hold no nulls. */
  static <T> List<T> listOf(List<T> values, String field, String owner) {
    if (values == null) {
      throw new IllegalArgumentException(owner + ": " + field + " is null");
    }
    for (T v : values) {
      if (v == null) {
        throw new IllegalArgumentException(owner + ": " + field + " holds a null");
      }
    }
    return List.copyOf(values);
  }
}
