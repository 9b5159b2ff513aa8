package dev.saescope.worker.cli;

import dev.saescope.common.cli.ModelOptions;
import dev.saescope.runtime.device.ComputeTarget;
import dev.saescope.runtime.load.LoadedModel;
import dev.saescope.runtime.sae.Sae;
import dev.saescope.worker.compute.ExperimentProcessor;
import dev.saescope.worker.compute.LayerList;
import dev.saescope.worker.compute.SaeAttachment;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SortedSet;

/** The model, tokenizer and SAEs of one worker, loaded (and timed) together, closed together. */
record LoadedWorker(LoadedModel model, List<Sae> saes, ExperimentProcessor processor)
    implements AutoCloseable {
  @Override
  public void close() {
    saes.forEach(Sae::close);
    model.close();
  }

  /**
   * Loads the model of {@code modelOptions} and attaches the SAEs of {@code saeSpecs}, recording
   * the load times in {@code registry}; on failure closes whatever was opened.
   */
  static LoadedWorker load(
      ModelOptions modelOptions,
      List<String> saeSpecs,
      String layers,
      int maxTaskTokens,
      PrometheusMeterRegistry registry,
      String id)
      throws IOException {
    boolean off = modelOptions.offline();
    String model = modelOptions.spec();
    Timer modelLoad =
        Timer.builder("saescope.worker.model.load")
            .description("Model load time")
            .tag("worker", id)
            .register(registry);
    long t0 = System.nanoTime();
    LoadedModel loaded =
        LoadedModel.open(
            model,
            modelOptions.tokenizer(),
            off,
            ComputeTarget.resolve(modelOptions.dtype(), modelOptions.device()));
    modelLoad.record(Duration.ofNanos(System.nanoTime() - t0));
    List<Sae> opened = new ArrayList<>();
    List<ExperimentProcessor.AttachedSae> attached = new ArrayList<>();
    try {
      Timer saeLoad =
          Timer.builder("saescope.worker.sae.load")
              .description("SAE load time")
              .tag("worker", id)
              .register(registry);
      for (String s : saeSpecs) {
        long t1 = System.nanoTime();
        ExperimentProcessor.AttachedSae a = SaeAttachment.parse(s).open(modelIdOf(model), off);
        opened.add(a.sae());
        StartChecks.requireLayer(s, a, model, loaded.model().config().nLayers());
        attached.add(a);
        saeLoad.record(Duration.ofNanos(System.nanoTime() - t1));
      }
      SortedSet<Integer> layerSet = LayerList.parse(layers, loaded.model().config().nLayers());
      ExperimentProcessor processor =
          new ExperimentProcessor(
              loaded.model(),
              loaded.tokenizer(),
              modelIdOf(model),
              id,
              attached,
              layerSet,
              maxTaskTokens);
      return new LoadedWorker(loaded, opened, processor);
    } catch (IOException | RuntimeException e) {
      opened.forEach(Sae::close);
      loaded.close();
      throw e;
    }
  }

  private static String modelIdOf(String spec) {
    return spec.strip();
  }
}
