package dev.saescope.lab.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.saescope.common.cli.ModelOptions;
import dev.saescope.lab.eval.ModelPatchedForward;
import dev.saescope.lab.eval.SaeMetrics;
import dev.saescope.lab.train.SequenceStream;
import dev.saescope.lab.train.TextCorpus;
import dev.saescope.runtime.device.ComputeTarget;
import dev.saescope.runtime.load.LoadedModel;
import dev.saescope.runtime.model.GemmaModel;
import dev.saescope.runtime.model.HookPoint;
import dev.saescope.runtime.model.Site;
import dev.saescope.runtime.sae.Sae;
import dev.saescope.runtime.sae.io.SaeLoader;
import dev.saescope.runtime.sae.io.SaeSpec;
import dev.saescope.runtime.sae.npy.NpyException;
import dev.saescope.runtime.tokenizer.GemmaTokenizer;
import dev.saescope.runtime.weights.WeightsException;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
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
    },
    exitCodeListHeading = "Exit codes:%n",
    exitCodeList = {
      "0:the metrics were printed",
      "1:a file could not be read",
      "2:bad options, or a model, SAE or corpus that cannot be used (a corpus too short for one"
          + " --context sequence); the message names it"
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
      description =
          "Tokens per sequence, BOS included (default ${DEFAULT-VALUE}); the corpus must hold at"
              + " least one sequence.")
  int context;

  @Option(
      names = "--sequences",
      defaultValue = "32",
      description =
          "Sequences to evaluate (default ${DEFAULT-VALUE}); the corpus is read once at most, so"
              + " fewer when it runs out.")
  int sequences;

  @Option(
      names = "--json",
      description = "Print one JSON object: l0, fvu, dead_fraction, ce_delta, loss_recovered, ...")
  boolean json;

  @Override
  public Integer call() {
    PrintWriter err = spec.commandLine().getErr();
    try {
      if ((layer == null) != (site == null)) {
        err.println("error: give both --layer and --site, or neither");
        return 2;
      }
      if (sequences <= 0) {
        err.println("error: --sequences must be positive, got " + sequences);
        return 2;
      }
      SaeLoader.Hints hints =
          layer == null
              ? SaeLoader.Hints.NONE
              : new SaeLoader.Hints(
                  Optional.empty(), Optional.of(new HookPoint(layer, Site.parse(site))));
      TextCorpus corpus = TextCorpus.of(text);
      try (LoadedModel loaded =
              LoadedModel.open(
                  modelOptions.spec(),
                  modelOptions.tokenizer(),
                  modelOptions.offline(),
                  ComputeTarget.resolve(modelOptions.dtype(), modelOptions.device()));
          Sae s = Sae.create(SaeLoader.load(SaeSpec.resolve(sae, modelOptions.offline()), hints))) {
        GemmaModel model = loaded.model();
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
        requireContextFits(model.config().maxPositions());
        List<int[]> seqs = sequences(corpus, loaded.tokenizer());
        long t0 = System.nanoTime();
        SaeMetrics.Report r = SaeMetrics.evaluate(s, new ModelPatchedForward(model), hook, seqs);
        print(r, s, hook, seqs.size(), (System.nanoTime() - t0) / 1e9);
      }
      return 0;
    } catch (WeightsException | NpyException e) {
      err.println("error: " + e.getMessage()); // a bad model or SAE file
      return 2;
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

  private void requireContextFits(int maxPositions) {
    if (context < 2 || context > maxPositions) {
      throw new IllegalArgumentException(
          "--context "
              + context
              + " must be between 2 (BOS and one token) and the model's "
              + maxPositions
              + " positions");
    }
  }

  /**
   * Up to {@code --sequences} sequences of {@code --context} tokens, reading the corpus once at
   * most. The corpus is first counted up to one sequence's worth of tokens: one too short for a
   * single sequence would give no positions (every metric NaN), and a {@link SequenceStream} asked
   * for more tokens than the corpus has cycles through it over and over to fill one.
   */
  private List<int[]> sequences(TextCorpus corpus, GemmaTokenizer tokenizer) throws IOException {
    long needed = context - 1L; // after BOS
    long tokens = 0;
    for (Iterator<String> docs = corpus.iterator(); docs.hasNext() && tokens < needed; ) {
      tokens += withoutBos(tokenizer, docs.next()).length;
    }
    if (tokens < needed) {
      throw new IllegalArgumentException(
          "--context "
              + context
              + " needs "
              + needed
              + " tokens after <bos>, but the corpus (--text "
              + text
              + ", "
              + corpus.files().size()
              + " file(s)) has only "
              + tokens
              + "; give a smaller --context or more text");
    }
    SequenceStream stream =
        new SequenceStream(corpus, doc -> withoutBos(tokenizer, doc), tokenizer.bosId(), context);
    List<int[]> seqs = new ArrayList<>();
    for (int i = 0; i < sequences; i++) {
      int[] seq = stream.next();
      if (stream.wrapped()) {
        break;
      }
      seqs.add(seq);
    }
    return seqs;
  }

  private void print(SaeMetrics.Report r, Sae s, HookPoint hook, int nSeqs, double seconds) {
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
      j.put("sequences", nSeqs);
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
          nSeqs,
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

  private static int[] withoutBos(GemmaTokenizer tokenizer, String text) {
    int[] ids = tokenizer.encode(text).ids();
    return Arrays.copyOfRange(ids, 1, ids.length);
  }
}
