package dev.saescope.cli;

import dev.saescope.lab.cli.BenchModelCommand;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code saescope bench}: the benchmarks of BENCHMARKS.md, one subcommand each. Others add {@code
 * bench sae} and {@code bench pipeline} to {@code subcommands} below.
 */
@Command(
    name = "bench",
    mixinStandardHelpOptions = true,
    description = {
      "Benchmarks. Absolute times on shared machines are noise: each benchmark reports a ratio"
          + " against a reference measured in the same run."
    },
    subcommands = {
      BenchModelCommand.class,
      dev.saescope.lab.cli.BenchLensCommand.class,
      dev.saescope.lab.cli.BenchSaeCommand.class,
      dev.saescope.cli.BenchPipelineCommand.class,
      dev.saescope.cli.BenchAggregateCommand.class,
    })
public final class BenchCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    spec.commandLine().usage(spec.commandLine().getOut());
    return 2;
  }
}
