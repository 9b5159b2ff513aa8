package dev.saescope.lab.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.saescope.common.cli.ModelOptions;
import dev.saescope.common.progress.ProgressBar;
import dev.saescope.lab.train.ModelActivationSource;
import dev.saescope.lab.train.MultiTrainer;
import dev.saescope.lab.train.TextCorpus;
import dev.saescope.lab.train.TopKTrainer;
import dev.saescope.lab.train.TrainConfig;
import dev.saescope.lab.train.TrainProgress;
import dev.saescope.runtime.load.LoadedModel;
import dev.saescope.runtime.model.GemmaModel;
import dev.saescope.runtime.model.HookPoint;
import dev.saescope.runtime.model.Site;
import dev.saescope.runtime.sae.SaeParams;
import dev.saescope.runtime.tokenizer.GemmaTokenizer;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code saescope train-sae}: trains a TopK SAE on a model's activations over a text corpus. */
@Command(
    name = "train-sae",
    mixinStandardHelpOptions = true,
    description = {
      "Trains a TopK SAE (Gao et al. 2024) on the activations of --model at --layer/--site over"
          + " the text in --text, and writes it in the SAELens layout (cfg.json +"
          + " sae_weights.safetensors) into --out, with a checkpoint in --out/checkpoint.",
      "Running the same command again resumes from the checkpoint; the same seed and text give"
          + " the same SAE."
    })
public final class TrainSaeCommand implements Callable<Integer> {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Spec CommandSpec spec;

  @Mixin ModelOptions modelOptions;

  @Option(
      names = "--layer",
      required = true,
      split = ",",
      description =
          "Decoder layer (from 0); several (e.g. 3,9,15) train one SAE each in lockstep on shared forward passes, into --out/layer_L_SITE.")
  List<Integer> layers;

  @Option(
      names = "--site",
      defaultValue = "resid_post",
      description = "resid_pre, resid_post, mlp_out or attn_z (default ${DEFAULT-VALUE}).")
  String site;

  @Option(names = "--width", required = true, description = "Number of latents (d_sae).")
  int width;

  @Option(names = "--k", required = true, description = "Active latents per position.")
  int k;

  @Option(names = "--tokens", required = true, description = "Training tokens (BOS excluded).")
  long tokens;

  @Option(
      names = "--out",
      required = true,
      description = "Output folder (SAE + checkpoint), or their parent with several layers.")
  Path out;

  @Option(
      names = "--text",
      required = true,
      split = ",",
      description = "Text files or folders; each non-blank line is a document.")
  List<Path> text;

  @Option(
      names = "--context",
      defaultValue = "128",
      description = "Tokens per sequence, BOS included (default ${DEFAULT-VALUE}).")
  int context;

  @Option(
      names = "--batch",
      defaultValue = "4096",
      description = "Tokens per optimiser step (default ${DEFAULT-VALUE}).")
  int batch;

  @Option(
      names = "--lr",
      description = "Adam learning rate (default 2e-4 * sqrt(16384 / width), at least 2e-4).")
  Double lr;

  @Option(
      names = "--std-weight-exponent",
      defaultValue = "0",
      description =
          "Weigh each input dimension's squared error by sigma^-2a, sigma its spread over the first"
              + " batch: 0 (default) is plain MSE, 1 counts every dimension equally. Gemma's few"
              + " massive residual dimensions otherwise take the SAE's capacity (fetch-sae uses"
              + " 0.5).")
  double stdWeightExponent;

  @Option(
      names = "--seed",
      defaultValue = "0",
      description = "Initialisation and shuffling seed (default ${DEFAULT-VALUE}).")
  long seed;

  @Option(
      names = "--checkpoint-every",
      defaultValue = "50",
      description = "Steps between checkpoints (default ${DEFAULT-VALUE}).")
  int checkpointEvery;

  @Option(
      names = "--forward-seqs",
      defaultValue = "8",
      description = "Sequences per forward pass (default ${DEFAULT-VALUE}).")
  int forwardSeqs;

  @Option(
      names = "--json",
      description = "Print one JSON object with the result (path, layer, site, last fvu, ...).")
  boolean json;

  @Option(names = "--quiet", description = "No progress output on stderr.")
  boolean quiet;

  @Override
  public Integer call() {
    PrintWriter err = spec.commandLine().getErr();
    List<HookPoint> hooks = new ArrayList<>();
    try {
      Site s = Site.parse(site);
      for (int l : layers) {
        hooks.add(new HookPoint(l, s));
      }
    } catch (IllegalArgumentException e) {
      err.println("error: " + e.getMessage());
      return 2;
    }
    if (!(stdWeightExponent >= 0 && stdWeightExponent <= 1)) {
      err.println("error: --std-weight-exponent must be in [0, 1], got " + stdWeightExponent);
      return 2;
    }
    long t0 = System.nanoTime();
    List<TopKTrainer> trainers = new ArrayList<>();
    try {
      TextCorpus corpus = TextCorpus.of(text);
      try (LoadedModel loaded =
          LoadedModel.open(modelOptions.spec(), modelOptions.tokenizer(), modelOptions.offline())) {
        List<Path> dirs = openTrainers(loaded.model(), hooks, trainers);
        Map<HookPoint, TrainProgress> last = new LinkedHashMap<>();
        List<SaeParams> saes = train(loaded, corpus, hooks, trainers, last, err);
        double seconds = (System.nanoTime() - t0) / 1e9;
        PrintWriter o = spec.commandLine().getOut();
        if (json) {
          o.println(toJson(hooks, dirs, trainers, saes, last, seconds));
        } else {
          printText(o, hooks, dirs, saes, last, seconds);
        }
        o.flush();
      }
      return 0;
    } catch (IOException e) {
      err.println("error: " + e.getMessage());
      return 1;
    } catch (UncheckedIOException e) {
      err.println("error: " + e.getCause().getMessage());
      return 1;
    } catch (IllegalArgumentException e) {
      err.println("error: " + e.getMessage());
      return 2;
    } finally {
      trainers.forEach(TopKTrainer::close);
    }
  }

  /**
   * One trainer per hook (resumed from its checkpoint when there is one); returns their folders.
   */
  private List<Path> openTrainers(GemmaModel model, List<HookPoint> hooks, List<TopKTrainer> into)
      throws IOException {
    List<Path> dirs = new ArrayList<>();
    for (HookPoint h : hooks) {
      int dIn = h.site().width(model.config());
      TrainConfig base = TrainConfig.of(dIn, width, k, tokens, seed);
      TrainConfig cfg =
          base.withBatchSize(batch)
              .withLr(lr != null ? lr : base.lr())
              .withCheckpointEvery(checkpointEvery)
              .withStdWeightExponent(stdWeightExponent)
              .withTarget(modelOptions.spec(), Optional.of(h));
      Path dir = hooks.size() == 1 ? out : out.resolve("layer_" + h.layer() + "_" + h.site().key());
      dirs.add(dir);
      into.add(TopKTrainer.open(cfg, dir));
    }
    return dirs;
  }

  /** Trains every SAE in lockstep on one stream of forward passes, with a progress bar. */
  private List<SaeParams> train(
      LoadedModel loaded,
      TextCorpus corpus,
      List<HookPoint> hooks,
      List<TopKTrainer> trainers,
      Map<HookPoint, TrainProgress> last,
      PrintWriter err)
      throws IOException {
    GemmaTokenizer tokenizer = loaded.tokenizer();
    try (ProgressBar bar =
            ProgressBar.onStderr(
                "tokens x " + hooks.size() + " SAEs", tokens * hooks.size(), quiet);
        ModelActivationSource source =
            new ModelActivationSource(
                loaded.model(),
                doc -> withoutBos(tokenizer, doc),
                tokenizer.bosId(),
                corpus,
                hooks,
                context,
                forwardSeqs,
                Math.max(batch * 4, 4096),
                seed)) {
      Map<HookPoint, Long> seen = new LinkedHashMap<>();
      for (int i = 0; i < hooks.size(); i++) {
        seen.put(hooks.get(i), trainers.get(i).tokens());
        bar.advance(trainers.get(i).tokens());
      }
      return MultiTrainer.train(
          trainers,
          hooks,
          source,
          (h, p) -> {
            last.put(h, p);
            bar.advance(p.tokens() - seen.put(h, p.tokens()));
            if (!quiet && p.step() % 10 == 0) {
              err.printf(
                  Locale.ROOT,
                  "%n%s step %d: loss %.4f fvu %.4f dead %.3f l0 %.1f%n",
                  h,
                  p.step(),
                  p.loss(),
                  p.fvu(),
                  p.deadFraction(),
                  p.l0());
              err.flush();
            }
          });
    }
  }

  private ArrayNode toJson(
      List<HookPoint> hooks,
      List<Path> dirs,
      List<TopKTrainer> trainers,
      List<SaeParams> saes,
      Map<HookPoint, TrainProgress> last,
      double seconds) {
    ArrayNode arr = JSON.createArrayNode();
    for (int i = 0; i < hooks.size(); i++) {
      HookPoint h = hooks.get(i);
      TrainProgress p = last.get(h);
      ObjectNode j = arr.addObject();
      j.put("path", dirs.get(i).toAbsolutePath().toString());
      j.put("layer", h.layer());
      j.put("site", h.site().key());
      j.put("width", width);
      j.put("k", k);
      j.put("tokens", trainers.get(i).tokens());
      j.put("fvu_last_batch", p == null ? Double.NaN : p.fvu());
      j.put("dead_fraction", p == null ? Double.NaN : p.deadFraction());
      j.put("hash", saes.get(i).meta().hash());
      j.put("seconds", seconds);
    }
    return arr;
  }

  private static void printText(
      PrintWriter o,
      List<HookPoint> hooks,
      List<Path> dirs,
      List<SaeParams> saes,
      Map<HookPoint, TrainProgress> last,
      double seconds) {
    for (int i = 0; i < hooks.size(); i++) {
      TrainProgress p = last.get(hooks.get(i));
      o.printf(
          Locale.ROOT,
          "%s -> %s%s%n",
          saes.get(i).meta().describe(),
          dirs.get(i),
          p == null
              ? ""
              : String.format(
                  Locale.ROOT,
                  " (last batch: fvu %.4f, dead %.3f, l0 %.1f)",
                  p.fvu(),
                  p.deadFraction(),
                  p.l0()));
    }
    o.printf(Locale.ROOT, "%d SAE(s) in %.0f s%n", hooks.size(), seconds);
  }

  /** The tokenizer puts one BOS at position 0; the source adds its own per sequence. */
  private static int[] withoutBos(GemmaTokenizer tokenizer, String text) {
    int[] ids = tokenizer.encode(text).ids();
    return java.util.Arrays.copyOfRange(ids, 1, ids.length);
  }
}
