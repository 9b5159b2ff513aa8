package dev.saescope.runtime.sae.io;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.saescope.runtime.weights.Safetensors;
import dev.saescope.runtime.weights.WeightsException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * What the SAE readers share: tensors found by name whatever their case, read with their shape
 * checked, and JSON configs read with errors that name the file and field.
 */
final class SaeFiles {
  private static final ObjectMapper JSON = new ObjectMapper();

  private SaeFiles() {}

  static String key(Safetensors st, String name) throws WeightsException {
    for (String n : st.entries().keySet()) {
      if (n.equalsIgnoreCase(name)) {
        return n;
      }
    }
    throw new WeightsException(
        st.file(), name, "missing (file holds " + st.entries().keySet() + ")");
  }

  static float[] read(Safetensors st, String name, long... shape) throws WeightsException {
    Safetensors.Entry e = st.entries().get(name);
    if (!Arrays.equals(e.shape(), shape)) {
      throw new WeightsException(
          st.file(),
          name,
          "expected shape " + Arrays.toString(shape) + ", got " + Arrays.toString(e.shape()));
    }
    return st.read(name).data().array();
  }

  static JsonNode readJson(Path file) throws WeightsException {
    try {
      JsonNode n = JSON.readTree(file.toFile());
      if (n == null || !n.isObject()) {
        throw new WeightsException(file, "not a JSON object");
      }
      return n;
    } catch (IOException e) {
      if (e instanceof WeightsException w) {
        throw w;
      }
      throw new WeightsException(file, "cannot read JSON: " + e.getMessage(), e);
    }
  }

  static int requiredInt(Path file, JsonNode cfg, String field) throws WeightsException {
    JsonNode n = cfg.get(field);
    if (n == null || !n.canConvertToInt() || n.asInt() <= 0) {
      throw new WeightsException(
          file, "field '" + field + "' must be a positive integer, got " + n);
    }
    return n.asInt();
  }
}
