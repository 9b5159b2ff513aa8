package dev.saescope.schemas.serde;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.avro.Schema;

/**
 * Fingerprint → "name vN" over every released schema, so an error can say "this is a TaskResult on
 * the tasks topic" instead of just "unknown".
 */
final class KnownSchemas {
  /** The message schemas saescope releases (resource folder names). */
  static final List<String> NAMES =
      List.of("PromptTask", "TaskResult", "LatentInfo", "DeadLetter", "RunAnnouncement");

  private static final class Holder {
    static final Map<Long, String> BY_FINGERPRINT = build();
  }

  private KnownSchemas() {}

  static Optional<String> describe(long fingerprint) {
    return Optional.ofNullable(Holder.BY_FINGERPRINT.get(fingerprint));
  }

  /** The schema name ("PromptTask", ...) whose released versions include {@code fingerprint}. */
  static Optional<String> nameOf(long fingerprint) {
    return describe(fingerprint).map(s -> s.substring(0, s.indexOf(' ')));
  }

  private static Map<Long, String> build() {
    Map<Long, String> map = new HashMap<>();
    for (String name : NAMES) {
      List<Schema> versions = ReleasedSchemas.load(name);
      for (int i = 0; i < versions.size(); i++) {
        map.put(AvroFormat.fingerprint(versions.get(i)), name + " v" + (i + 1));
      }
    }
    return Map.copyOf(map);
  }
}
