package dev.saescope.aggregator.service;

import dev.saescope.aggregator.report.ReportFiles;
import dev.saescope.aggregator.report.RunReport;
import dev.saescope.schemas.RunAnnouncement;
import dev.saescope.schemas.serde.Codecs;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes {@code <out>/<run id>/} (report.json, CSVs, plots) when a run completes: announced as
 * closed, with every announced task observed on this instance. Checks every few seconds; a run that
 * gains tasks afterwards is written again. {@link #writeNow} writes on demand.
 */
public final class ReportWriter implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ReportWriter.class);

  private final RunQueries queries;
  private final RunReports reports;
  private final Path out;
  private final Map<String, Long> written = new ConcurrentHashMap<>();
  private final ScheduledExecutorService timer =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "report-writer");
            t.setDaemon(true);
            return t;
          });

  private ReportWriter(RunQueries queries, RunReports reports, Path out) {
    this.queries = queries;
    this.reports = reports;
    this.out = out;
  }

  public static ReportWriter start(RunQueries queries, RunReports reports, Path out) {
    ReportWriter w = new ReportWriter(queries, reports, out);
    w.timer.scheduleWithFixedDelay(w::writeCompleted, 2, 2, TimeUnit.SECONDS);
    return w;
  }

  private void writeCompleted() {
    try {
      for (var e : queries.announcements().entrySet()) {
        RunAnnouncement a = Codecs.runAnnouncementOf(e.getValue());
        long done = queries.tasksDone(a.runId());
        if (a.open()
            || !a.tasksKnown()
            || done < a.tasks()
            || written.getOrDefault(a.runId(), -1L) == done) {
          continue;
        }
        writeNow(a.runId(), Optional.of(a));
        written.put(a.runId(), done);
      }
    } catch (RuntimeException | IOException e) { // state moving, disk full: retried next round
      LOG.warn("writing reports: {}", e.toString());
    }
  }

  /** Writes the run's files now into {@link #folder}; returns the report written. */
  public RunReport writeNow(String run, Optional<RunAnnouncement> announcement) throws IOException {
    Path dir = folder(run);
    RunReport r = reports.compute(run, announcement);
    ReportFiles.write(r, dir);
    LOG.info("wrote the report of run {} ({} tasks) to {}", run, r.tasks(), dir);
    return r;
  }

  /** Where the run's files go: {@code <out>/<run id>/}. */
  public Path folder(String run) throws IOException {
    return RunFolders.of(out, run);
  }

  @Override
  public void close() {
    timer.shutdownNow();
  }
}
