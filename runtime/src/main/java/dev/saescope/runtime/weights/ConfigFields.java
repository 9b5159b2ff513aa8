package dev.saescope.runtime.weights;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;

/**
 * Typed field access to a parsed {@code config.json}, with errors that name the file and the field
 * and say what was expected.
 */
record ConfigFields(Path file, JsonNode root) {
  int requiredInt(String key) throws WeightsException {
    JsonNode n = root.get(key);
    if (n == null || n.isNull()) {
      throw new WeightsException(file, "field '" + key + "' is missing");
    }
    if (!n.canConvertToInt() || !n.isIntegralNumber()) {
      throw new WeightsException(file, "field '" + key + "' is " + n + ", expected an integer");
    }
    return n.intValue();
  }

  int optInt(String key, int dflt) throws WeightsException {
    return root.hasNonNull(key) ? requiredInt(key) : dflt;
  }

  /** A size: present and at least 1. */
  int positiveInt(String key) throws WeightsException {
    int v = requiredInt(key);
    if (v <= 0) {
      throw new WeightsException(
          file, "field '" + key + "' is " + v + ", expected a positive integer");
    }
    return v;
  }

  int optPositiveInt(String key, int dflt) throws WeightsException {
    return root.hasNonNull(key) ? positiveInt(key) : dflt;
  }

  /** An id that may also be a list of ids (eos_token_id of instruction-tuned models). */
  int firstInt(String key, int dflt) throws WeightsException {
    JsonNode n = root.get(key);
    if (n == null || n.isNull()) {
      return dflt;
    }
    if (n.isArray()) {
      if (n.isEmpty() || !n.get(0).isIntegralNumber()) {
        throw new WeightsException(file, "field '" + key + "' is " + n + ", expected ids");
      }
      return n.get(0).intValue();
    }
    return requiredInt(key);
  }

  /** Absent means the default; an explicit null means 0 (soft-capping off). */
  double optDouble(String key, double dflt) throws WeightsException {
    JsonNode n = root.get(key);
    if (n == null) {
      return dflt;
    }
    if (n.isNull()) {
      return 0;
    }
    if (!n.isNumber()) {
      throw new WeightsException(file, "field '" + key + "' is " + n + ", expected a number");
    }
    return n.doubleValue();
  }
}
