package dev.saescope.lab.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.saescope.common.cli.ModelOptions;
import dev.saescope.lab.eval.ModelPatchedForward;
import dev.saescope.lab.eval.SaeMetrics;
import dev.saescope.lab.train.SequenceStream;
import dev.saescope.lab.train.TextCorpus;
import dev.saescope.runtime.load.LoadedModel;
import dev.saescope.runtime.model.GemmaModel;
import dev.saescope.runtime.model.HookPoint;
import dev.saescope.runtime.model.Site;
import dev.saescope.runtime.sae.Sae;
import dev.saescope.runtime.sae.io.SaeLoader;
import dev.saescope.runtime.sae.io.SaeSpec;
import dev.saescope.runtime.tokenizer.GemmaTokenizer;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code saescope sae-eval}: L0, FVU, dead fraction, CE delta and loss recovered of an SAE. */
@Command(
    name = "sae-eval",
    mixinStandardHelpOptions = true,
    description = {
      "Measures an SAE on a model over text, with the SAELens/SAEBench definitions: L0, fraction"
          + " of variance unexplained (FVU), dead-latent fraction, and the next-token cross-entropy"
          + " with the SAE's reconstruction spliced in (ce_delta) and against zero-ablation"
          + " (loss_recovered). BOS is neither patched nor counted."
    })
public final class SaeEvalCommand implements Callable<Integer> {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Spec CommandSpec spec;

  @Mixin ModelOptions modelOptions;

  @Option(
      names = "--sae",
      required = true,
      paramLabel = "SPEC",
      description = "The SAE (path or hf:owner/repo/path).")
  String sae;

  @Option(
      names = "--text",
      required = true,
      split = ",",
      description = "Text files or folders; each non-blank line is a document.")
  List<Path> text;

  @Option(names = "--layer", description = "Layer the SAE reads, when its config does not say.")
  Integer layer;

  @Option(
      names = "--site",
      description =
          "Site the SAE reads (resid_post, mlp_out, attn_z, resid_pre), when its config does not say.")
  String site;

  @Option(
      names = "--context",
      defaultValue = "128",
      description = "Tokens per sequence, BOS included (default ${DEFAULT-VALUE}).")
  int context;

  @Option(
      names = "--sequences",
      defaultValue = "32",
      description =
          "Sequences to evaluate (default ${DEFAULT-VALUE}); the corpus is read once at most.")
  int sequences;

  @Option(
      names = "--json",
      description = "Print one JSON object: l0, fvu, dead_fraction, ce_delta, loss_recovered, ...")
  boolean json;

  @Override
  public Integer call() {
    PrintWriter err = spec.commandLine().getErr();
    try {
      SaeLoader.Hints hints = SaeLoader.Hints.NONE;
      if ((layer == null) != (site == null)) {
        err.println("error: give both --layer and --site, or neither");
        return 2;
      }
      if (layer != null) {
        hints =
            new SaeLoader.Hints(
                Optional.empty(), Optional.of(new HookPoint(layer, Site.parse(site))));
      }
      TextCorpus corpus = TextCorpus.of(text);
      try (LoadedModel loaded =
              LoadedModel.open(
                  modelOptions.spec(), modelOptions.tokenizer(), modelOptions.offline());
          Sae s = Sae.create(SaeLoader.load(SaeSpec.resolve(sae, modelOptions.offline()), hints))) {
        GemmaModel model = loaded.model();
        GemmaTokenizer tokenizer = loaded.tokenizer();
        HookPoint hook =
            s.metadata()
                .hook()
                .orElseThrow(
                    () ->
                        new IllegalArgumentException(
                            "SAE "
                                + sae
                                + " does not say where it reads: give --layer and --site"));
        s.requireFits(hook.site().width(model.config()), hook);
        SequenceStream stream =
            new SequenceStream(
                corpus, doc -> withoutBos(tokenizer, doc), tokenizer.bosId(), context);
        List<int[]> seqs = new ArrayList<>();
        for (int i = 0; i < sequences; i++) {
          int[] seq = stream.next();
          if (stream.wrapped()) {
            break;
          }
          seqs.add(seq);
        }
        long t0 = System.nanoTime();
        SaeMetrics.Report r = SaeMetrics.evaluate(s, new ModelPatchedForward(model), hook, seqs);
        double seconds = (System.nanoTime() - t0) / 1e9;
        PrintWriter o = spec.commandLine().getOut();
        if (json) {
          ObjectNode j = JSON.createObjectNode();
          j.put("l0", r.l0());
          j.put("fvu", r.fvu());
          j.put("dead_fraction", r.deadFraction());
          j.put("ce_delta", r.ceDelta());
          j.put("loss_recovered", r.lossRecovered());
          j.put("ce_clean", r.ceClean());
          j.put("ce_sae", r.ceSae());
          j.put("ce_zero", r.ceZero());
          j.put("positions", r.positions());
          j.put("sequences", seqs.size());
          j.put("context", context);
          j.put("layer", hook.layer());
          j.put("site", hook.site().key());
          j.put("sae", sae);
          j.put("sae_hash", s.metadata().hash());
          j.put("seconds", seconds);
          o.println(j);
        } else {
          o.printf(
              Locale.ROOT,
              "%s on %s, %d positions (%d sequences of %d)%n  L0 %.1f  FVU %.4f  dead %.3f%n"
                  + "  CE clean %.4f  with SAE %.4f  zero-ablated %.4f%n  CE delta %.4f  loss recovered %.4f%n",
              s.metadata().describe(),
              hook,
              r.positions(),
              seqs.size(),
              context,
              r.l0(),
              r.fvu(),
              r.deadFraction(),
              r.ceClean(),
              r.ceSae(),
              r.ceZero(),
              r.ceDelta(),
              r.lossRecovered());
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
    }
  }

  private static int[] withoutBos(GemmaTokenizer tokenizer, String text) {
    int[] ids = tokenizer.encode(text).ids();
    return Arrays.copyOfRange(ids, 1, ids.length);
  }
}
