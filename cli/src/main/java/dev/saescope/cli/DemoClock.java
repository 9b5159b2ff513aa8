package dev.saescope.cli;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/** Wall time of the demo's phases, each from the end of the one before. */
final class DemoClock {
  private final Map<String, Long> phases = new LinkedHashMap<>();
  private long since = System.nanoTime();

  /** Ends the phase {@code name} now. */
  void lap(String name) {
    long now = System.nanoTime();
    phases.put(name, now - since);
    since = now;
  }

  /** Seconds of a finished phase; NaN if it has not ended. */
  double seconds(String name) {
    Long nanos = phases.get(name);
    return nanos == null ? Double.NaN : nanos / 1e9;
  }

  /** {@code provisioning 2.1 s, streaming 300.4 s, ...} */
  String summary() {
    return phases.entrySet().stream()
        .map(e -> String.format(Locale.ROOT, "%s %.1f s", e.getKey(), e.getValue() / 1e9))
        .collect(Collectors.joining(", "));
  }
}
