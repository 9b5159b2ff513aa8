package dev.saescope.aggregator.stats;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/**
 * The reference outputs of SciPy and scikit-learn in {@code golden/stats.json}, written by {@code
 * tools/stats_golden.py}, and the samples the tests build from them.
 */
final class Golden {
  private static final String RESOURCE = "/golden/stats.json";

  static final JsonNode STATS = load();

  private Golden() {}

  private static JsonNode load() {
    try (InputStream in = Golden.class.getResourceAsStream(RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException(
            RESOURCE + " is not on the test classpath; write it with tools/stats_golden.py");
      }
      return new ObjectMapper().readTree(in);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + RESOURCE, e);
    }
  }

  static double[] doubles(JsonNode array) {
    double[] out = new double[array.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = array.get(i).asDouble();
    }
    return out;
  }

  /** The values keyed by {@code ItemKey.of(prefix + i)}: keys in no relation to value order. */
  static KeyedSample sample(String prefix, double... values) {
    long[] keys = new long[values.length];
    for (int i = 0; i < keys.length; i++) {
      keys[i] = ItemKey.of(prefix + i);
    }
    return KeyedSample.of(keys, values);
  }

  static KeyedSample sample(String prefix, JsonNode array) {
    return sample(prefix, doubles(array));
  }

  static KeyedSample sample(JsonNode array) {
    return sample("item-", doubles(array));
  }

  static KeyedSample sample(double... values) {
    return sample("item-", values);
  }
}
