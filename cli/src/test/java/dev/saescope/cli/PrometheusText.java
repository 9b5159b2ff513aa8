package dev.saescope.cli;

import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The sample names, their label names and the family types of a Prometheus text exposition (format
 * 0.0.4, as {@code PrometheusMeterRegistry.scrape()} writes it; OpenMetrics-style {@code # TYPE}
 * lines without the {@code _total} suffix are understood too).
 *
 * <p>Names are kept exactly as the samples spell them ({@code x_seconds_bucket}, {@code
 * x_seconds_count}, {@code x_seconds_max}, ...), because that is what a PromQL selector must match:
 * a query on the bare histogram name {@code x_seconds} finds nothing. The family, needed to know
 * whether a sample is a counter, is found by stripping the suffix its type allows.
 *
 * @param labels label names per sample name, over all series of that name
 * @param types type per family name, from the {@code # TYPE} lines
 */
record PrometheusText(Map<String, Set<String>> labels, Map<String, String> types) {

  /** Suffixes a sample may add to its family name, by family type (Prometheus exposition docs). */
  private static final Map<String, List<String>> SUFFIXES =
      Map.of(
          "counter", List.of("_total", "_created"),
          "histogram", List.of("_bucket", "_count", "_sum", "_created"),
          "summary", List.of("_count", "_sum", "_created"),
          "gaugehistogram", List.of("_bucket", "_gcount", "_gsum"));

  /**
   * Parses an exposition.
   *
   * @param source names the text in errors (a URL or "registry of ...")
   * @throws IllegalArgumentException naming source and line of a malformed line
   */
  static PrometheusText parse(String text, String source) {
    Map<String, Set<String>> labels = new TreeMap<>();
    Map<String, String> types = new LinkedHashMap<>();
    String[] lines = text.split("\n", -1);
    for (int n = 0; n < lines.length; n++) {
      String line = lines[n].strip();
      String where = source + " line " + (n + 1);
      if (line.isEmpty()) {
        continue;
      }
      if (line.startsWith("#")) {
        String[] parts = line.split("\\s+", 4);
        if (parts.length >= 2 && parts[1].equals("TYPE")) {
          if (parts.length < 4 || !isName(parts[2])) {
            throw new IllegalArgumentException(where + ": malformed TYPE line: " + line);
          }
          types.put(parts[2], parts[3].strip().toLowerCase(java.util.Locale.ROOT));
        }
        continue;
      }
      int i = 0;
      while (i < line.length() && isNamePart(line.charAt(i))) {
        i++;
      }
      String name = line.substring(0, i);
      if (!isName(name)) {
        throw new IllegalArgumentException(
            where + ": a sample must start with a metric name: " + line);
      }
      Set<String> names = labels.computeIfAbsent(name, k -> new LinkedHashSet<>());
      if (i < line.length() && line.charAt(i) == '{') {
        i = labelSet(line, i + 1, names, where);
      }
      String rest = line.substring(i).strip();
      String value = rest.split("\\s+")[0];
      if (rest.isEmpty() || !isValue(value)) {
        throw new IllegalArgumentException(
            where + ": sample " + name + " has no numeric value: " + line);
      }
    }
    return new PrometheusText(labels, types);
  }

  /** Reads {@code a="x",b="y"}} from {@code i}; returns the index after the '}'. */
  private static int labelSet(String line, int i, Set<String> into, String where) {
    int n = line.length();
    while (true) {
      while (i < n && line.charAt(i) == ' ') {
        i++;
      }
      if (i < n && line.charAt(i) == '}') {
        return i + 1;
      }
      int start = i;
      while (i < n && isNamePart(line.charAt(i)) && line.charAt(i) != ':') {
        i++;
      }
      if (i == start || i + 1 >= n || line.charAt(i) != '=' || line.charAt(i + 1) != '"') {
        throw new IllegalArgumentException(
            where + ": malformed label at column " + (i + 1) + ": " + line);
      }
      into.add(line.substring(start, i));
      i += 2;
      while (i < n && line.charAt(i) != '"') {
        i += line.charAt(i) == '\\' ? 2 : 1;
      }
      if (i >= n) {
        throw new IllegalArgumentException(where + ": unterminated label value: " + line);
      }
      i++;
      if (i < n && line.charAt(i) == ',') {
        i++;
      } else if (i >= n || line.charAt(i) != '}') {
        throw new IllegalArgumentException(
            where + ": expected ',' or '}' at column " + (i + 1) + ": " + line);
      }
    }
  }

  boolean has(String sample) {
    return labels.containsKey(sample);
  }

  Set<String> labelsOf(String sample) {
    return labels.getOrDefault(sample, Set.of());
  }

  /** The type of the family {@code sample} belongs to, or "untyped". */
  String typeOf(String sample) {
    String direct = types.get(sample);
    if (direct != null) {
      return direct;
    }
    for (Map.Entry<String, List<String>> e : SUFFIXES.entrySet()) {
      for (String suffix : e.getValue()) {
        if (sample.endsWith(suffix)) {
          String family = sample.substring(0, sample.length() - suffix.length());
          if (e.getKey().equals(types.get(family))) {
            return e.getKey();
          }
        }
      }
    }
    return "untyped";
  }

  /**
   * Whether {@code rate()} and {@code increase()} make sense on the sample: a counter, or the
   * bucket/count/sum series of a histogram or summary (all monotonic).
   */
  boolean monotonic(String sample) {
    String type = typeOf(sample);
    return switch (type) {
      case "counter" -> true;
      case "histogram", "summary" ->
          sample.endsWith("_bucket") || sample.endsWith("_count") || sample.endsWith("_sum");
      default -> false;
    };
  }

  private static boolean isName(String s) {
    return !s.isEmpty()
        && !Character.isDigit(s.charAt(0))
        && s.chars().allMatch(c -> isNamePart((char) c));
  }

  private static boolean isNamePart(char c) {
    return (c >= 'a' && c <= 'z')
        || (c >= 'A' && c <= 'Z')
        || (c >= '0' && c <= '9')
        || c == '_'
        || c == ':';
  }

  private static boolean isValue(String v) {
    if (v.equals("NaN") || v.equals("+Inf") || v.equals("-Inf")) {
      return true;
    }
    try {
      Double.parseDouble(v);
      return true;
    } catch (NumberFormatException e) {
      return false;
    }
  }
}
