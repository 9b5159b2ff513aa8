package dev.saescope.aggregator.report;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes a report as files: report.json, one CSV per table, one SVG per plot, and report.html
 * linking them all. The only I/O of the analysis packages.
 */
public final class ReportFiles {
  private ReportFiles() {}

  /**
   * Writes {@code report} into {@code dir} (created if missing), replacing files of the same names.
   *
   * @return the files written, report.json first and report.html last
   * @throws IOException naming the file that could not be written
   */
  public static List<Path> write(RunReport report, Path dir) throws IOException {
    Files.createDirectories(dir);
    List<Path> written = new ArrayList<>();
    written.add(text(dir.resolve("report.json"), ReportJson.write(report)));
    List<ReportTables.Table> tables = ReportTables.of(report);
    for (ReportTables.Table t : tables) {
      written.add(text(dir.resolve(t.name() + ".csv"), ReportCsv.write(t.rowType(), t.rows())));
    }
    List<Plot> plots = ReportPlots.of(report);
    for (Plot p : plots) {
      written.add(bytes(dir.resolve(p.name() + ".svg"), SvgChart.render(p)));
    }
    written.add(text(dir.resolve("report.html"), ReportHtml.write(report, plots, tables)));
    return written;
  }

  private static Path text(Path file, String content) throws IOException {
    return bytes(file, content.getBytes(StandardCharsets.UTF_8));
  }

  private static Path bytes(Path file, byte[] content) throws IOException {
    try {
      return Files.write(file, content);
    } catch (IOException e) {
      throw new IOException("cannot write report file " + file + ": " + e.getMessage(), e);
    }
  }
}
