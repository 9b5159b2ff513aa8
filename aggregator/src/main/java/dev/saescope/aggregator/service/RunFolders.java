package dev.saescope.aggregator.service;

import java.io.IOException;
import java.nio.file.Path;
import java.util.regex.Pattern;

/** Where a run's report files go: {@code <out>/<run id>}, only for run ids that name a folder. */
public final class RunFolders {
  /** Run ids as the producer makes them (letters, digits, {@code . _ : -}). */
  public static final Pattern RUN_ID = Pattern.compile("[A-Za-z0-9._:-]{1,200}");

  private RunFolders() {}

  /**
   * @throws IOException naming the run id when it could leave {@code out} or is not a plain name
   */
  public static Path of(Path out, String runId) throws IOException {
    if (!RUN_ID.matcher(runId).matches() || runId.matches("\\.+")) {
      throw new IOException("run id '" + runId + "' cannot name a report folder");
    }
    return out.resolve(runId);
  }
}
