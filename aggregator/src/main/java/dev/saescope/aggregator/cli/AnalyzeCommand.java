package dev.saescope.aggregator.cli;

import dev.saescope.aggregator.report.ReportFiles;
import dev.saescope.aggregator.report.RunReport;
import dev.saescope.aggregator.service.OfflineAnalysis;
import dev.saescope.aggregator.service.RunFolders;
import dev.saescope.aggregator.stream.AggregatorMetrics;
import dev.saescope.schemas.serde.RunArchive;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code saescope analyze}: the aggregator's report computed offline from a run archive. */
@Command(
    name = "analyze",
    mixinStandardHelpOptions = true,
    description = {
      "Compute a run's report from a file made by ./saescope export, in one process and without"
          + " Kafka: the same code and the same numbers as the streaming aggregator.",
      "Writes DIR/<run id>/report.json, one CSV per table, plots and report.html."
    },
    footer = {
      "",
      "Exit codes: 0 written; 1 bad options, an unreadable archive or an unwritable DIR."
    })
public final class AnalyzeCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(
      names = "--results",
      required = true,
      paramLabel = "FILE",
      description = "A run archive (.avro) from export.")
  Path results;

  @Option(
      names = "--out",
      required = true,
      paramLabel = "DIR",
      description = "Where the report folders go.")
  Path out;

  @Override
  public Integer call() {
    PrintWriter err = spec.commandLine().getErr();
    if (!Files.isRegularFile(results)) {
      err.println("error: --results " + results + ": no such file");
      return 1;
    }
    try {
      AggregatorMetrics metrics = AggregatorMetrics.none();
      Map<String, RunReport> reports = OfflineAnalysis.analyze(RunArchive.read(results), metrics);
      if (reports.isEmpty()) {
        err.println("error: " + results + " holds no usable results");
        return 1;
      }
      for (var e : reports.entrySet()) {
        Path dir = RunFolders.of(out, e.getKey());
        ReportFiles.write(e.getValue(), dir);
        spec.commandLine()
            .getOut()
            .printf(
                "run %s: %d items, %d tasks -> %s%n",
                e.getKey(), e.getValue().items(), e.getValue().tasks(), dir);
      }
      return 0;
    } catch (IOException e) {
      err.println("error: " + e.getMessage());
      return 1;
    }
  }
}
