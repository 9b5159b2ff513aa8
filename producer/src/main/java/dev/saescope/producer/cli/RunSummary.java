package dev.saescope.producer.cli;

import dev.saescope.producer.run.TaskStream;
import dev.saescope.schemas.Variant;
import java.util.Locale;
import java.util.Map;

/** The few lines {@code produce} prints when it is done: counts, bytes, rate, skips. */
final class RunSummary {
  private RunSummary() {}

  static String format(
      String what,
      TaskStream tasks,
      Map<Variant, Long> byVariant,
      long bytes,
      String bytesLabel,
      long startNanos) {
    double seconds = Math.max(1e-9, (System.nanoTime() - startNanos) / 1e9);
    StringBuilder sb = new StringBuilder();
    sb.append(
        String.format(
            Locale.ROOT,
            "%s: %d tasks from %d items, %d %s, %.1f s, %.0f tasks/s",
            what,
            tasks.tasks(),
            tasks.items(),
            bytes,
            bytesLabel,
            seconds,
            tasks.tasks() / seconds));
    sb.append("\n  by variant:");
    for (Variant v : Variant.values()) {
      sb.append(' ').append(v.wireName()).append('=').append(byVariant.getOrDefault(v, 0L));
    }
    if (tasks.droppedObjectInSubject() > 0) {
      sb.append("\n  dropped as object-in-subject: ").append(tasks.droppedObjectInSubject());
    }
    if (tasks.skippedLines() > 0 || tasks.skippedItems() > 0) {
      sb.append("\n  skipped: ")
          .append(tasks.skippedLines())
          .append(" lines, ")
          .append(tasks.skippedItems())
          .append(" items");
    }
    return sb.toString();
  }
}
