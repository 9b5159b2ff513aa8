package dev.saescope.aggregator.cli;

import dev.saescope.aggregator.service.RunExport;
import dev.saescope.common.kafka.KafkaConfigException;
import dev.saescope.common.kafka.KafkaOptions;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.apache.kafka.common.KafkaException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code saescope export}: one run's messages as one Avro data file. */
@Command(
    name = "export",
    mixinStandardHelpOptions = true,
    description = {
      "Save a run as one Avro data file: its results, every latent-info message and its"
          + " announcement, read committed up to the topics' current ends. Share the file;"
          + " ./saescope analyze recomputes the report from it."
    },
    footer = {
      "",
      "Exit codes: 0 written; 1 bad options or the file cannot be written; 3 Kafka unreachable."
    })
public final class ExportCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Mixin KafkaOptions kafka = new KafkaOptions();

  @Option(names = "--run-id", required = true, description = "The run to export.")
  String runId;

  @Option(
      names = "--out",
      required = true,
      paramLabel = "FILE",
      description = "The .avro file to write.")
  Path out;

  @Override
  public Integer call() {
    PrintWriter err = spec.commandLine().getErr();
    Path parent = out.toAbsolutePath().getParent();
    if (parent == null || !Files.isDirectory(parent)) {
      err.println("error: --out " + out + ": folder " + parent + " does not exist");
      return 1;
    }
    if (Files.isDirectory(out)) {
      err.println("error: --out " + out + " is a folder; give a file name");
      return 1;
    }
    try {
      RunExport.Counts c = RunExport.export(kafka.resolve(), runId, out);
      spec.commandLine()
          .getOut()
          .printf(
              "%s: %d result messages, %d latent-info messages, %d announcement(s) of run %s%n",
              out, c.results(), c.latentInfo(), c.announcements(), runId);
      if (c.results() == 0) {
        err.println(
            "warning: no results of run " + runId + " (" + c.otherRuns() + " of other runs)");
      }
      return 0;
    } catch (KafkaConfigException e) {
      err.println("error: " + e.getMessage());
      return 1;
    } catch (IOException e) {
      err.println("error: " + e.getMessage());
      return 1;
    } catch (KafkaException e) {
      err.println("error: Kafka: " + e.getMessage());
      return 3;
    }
  }
}
