package dev.saescope.lab.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.saescope.common.cli.ModelOptions;
import dev.saescope.runtime.config.ModelConfig;
import dev.saescope.runtime.device.ComputeTarget;
import dev.saescope.runtime.load.LoadedModel;
import dev.saescope.runtime.model.CaptureSpec;
import dev.saescope.runtime.model.ForwardResult;
import dev.saescope.runtime.model.GemmaModel;
import dev.saescope.runtime.model.HookPoint;
import dev.saescope.runtime.model.Positions;
import dev.saescope.runtime.model.Rows;
import dev.saescope.runtime.model.Site;
import dev.saescope.runtime.model.TokenScore;
import dev.saescope.runtime.sae.npy.Npy;
import dev.saescope.runtime.tokenizer.GemmaTokenizer;
import dev.saescope.runtime.tokenizer.TokenText;
import dev.saescope.runtime.tokenizer.Tokens;
import dev.saescope.runtime.weights.WeightsException;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code saescope inspect-model}: the model's top next tokens for a prompt, and optionally the
 * logit lens (final norm, tied unembedding, final soft-cap) of resid_post at every layer.
 */
@Command(
    name = "inspect-model",
    mixinStandardHelpOptions = true,
    description = {
      "Shows the top next tokens of a prompt with log-probabilities, and with --lens the logit lens"
          + " of resid_post at every layer.",
      "Token strings are shown quoted and escaped (Gemma's vocabulary holds control characters"
          + " and HTML-like tokens such as <b>)."
    })
public final class InspectModelCommand implements Callable<Integer> {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Spec CommandSpec spec;

  @Mixin ModelOptions modelOptions;

  @Option(
      names = "--prompt",
      required = true,
      paramLabel = "TEXT",
      description = "The prompt; <bos> is added.")
  String prompt;

  @Option(
      names = "--top",
      paramLabel = "K",
      defaultValue = "10",
      description = "Tokens to show (default ${DEFAULT-VALUE}).")
  int top;

  @Option(names = "--lens", description = "Also show the logit lens of resid_post at every layer.")
  boolean lens;

  @Option(
      names = "--json",
      description =
          "Print one JSON object: {\"tokens\": [...], \"token_ids\": [...], \"dtype\","
              + " \"top\": [{\"token\", \"id\", \"logprob\"}...],"
              + " \"lens\": [{\"layer\", \"top\"}...]} (lens empty without --lens).")
  boolean json;

  @Option(
      names = "--dump-npy",
      paramLabel = "DIR",
      description =
          "Also write the activations of every position at every layer and site as"
              + " DIR/L<layer>_<site>.npy, float32 [positions, width] (numpy's format, as"
              + " sae-encode reads), to compare with another stack.")
  Path dumpNpy;

  /** What the command computed, before it is printed. */
  record Inspection(
      ModelConfig config,
      String dtype,
      Tokens tokens,
      List<String> tokenTexts,
      List<Scored> top,
      List<List<Scored>> lens) {}

  /** One candidate token with its display text. */
  record Scored(int id, String text, float logprob) {}

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    if (top <= 0) {
      err.println("--top must be positive, got " + top);
      return 2;
    }
    Inspection result;
    try {
      result = inspect();
    } catch (WeightsException | UncheckedIOException e) {
      err.println("error: " + e.getMessage());
      return 1;
    } catch (IllegalArgumentException e) {
      err.println("error: " + e.getMessage());
      return 2;
    }
    if (json) {
      out.println(toJson(result));
    } else {
      printText(out, result);
    }
    out.flush();
    return 0;
  }

  private Inspection inspect() throws WeightsException {
    ComputeTarget target = ComputeTarget.resolve(modelOptions.dtype(), modelOptions.device());
    try (LoadedModel loaded =
        LoadedModel.open(
            modelOptions.spec(), modelOptions.tokenizer(), modelOptions.offline(), target)) {
      GemmaModel model = loaded.model();
      GemmaTokenizer tokenizer = loaded.tokenizer();
      ModelConfig c = model.config();
      int k = Math.min(top, c.vocabSize());
      Tokens tokens = tokenizer.encode(prompt);
      List<int[]> seqs = List.of(tokens.ids());
      Set<HookPoint> hooks = new TreeSet<>();
      if (lens) {
        for (int l = 0; l < c.nLayers(); l++) {
          hooks.add(new HookPoint(l, Site.RESID_POST));
        }
      }
      Positions last = Positions.last(seqs);
      ForwardResult r =
          model.forward(seqs, new CaptureSpec(hooks, lens ? last : Positions.none(), last));
      List<Scored> next = scored(tokenizer, GemmaModel.topK(r.logits(0).row(0), k));
      List<List<Scored>> lensRows = new ArrayList<>();
      for (int l = 0; lens && l < c.nLayers(); l++) {
        lensRows.add(scored(tokenizer, model.lensTopK(r.capture(l, Site.RESID_POST, 0), k).get(0)));
      }
      List<String> texts = new ArrayList<>();
      for (int id : tokens.ids()) {
        texts.add(text(tokenizer, id));
      }
      if (dumpNpy != null) {
        dumpActivations(model, seqs);
      }
      return new Inspection(c, target.dtype().label(), tokens, texts, next, lensRows);
    }
  }

  /** One pass capturing every site of every layer at every position, one .npy per hook. */
  private void dumpActivations(GemmaModel model, List<int[]> seqs) {
    ModelConfig c = model.config();
    Set<HookPoint> hooks = new TreeSet<>();
    for (int l = 0; l < c.nLayers(); l++) {
      for (Site site : Site.values()) {
        hooks.add(new HookPoint(l, site));
      }
    }
    ForwardResult r =
        model.forward(seqs, new CaptureSpec(hooks, Positions.all(), Positions.none()));
    try {
      Files.createDirectories(dumpNpy);
      for (HookPoint h : hooks) {
        Rows rows = r.capture(h, 0); // [positions, width]
        Path file = dumpNpy.resolve("L" + h.layer() + "_" + h.site().key() + ".npy");
        Npy.write(file, new long[] {rows.count(), rows.width()}, rows.values());
      }
    } catch (IOException e) {
      throw new UncheckedIOException("--dump-npy " + dumpNpy + ": " + e.getMessage(), e);
    }
  }

  private static List<Scored> scored(GemmaTokenizer tokenizer, List<TokenScore> scores) {
    List<Scored> out = new ArrayList<>(scores.size());
    for (TokenScore s : scores) {
      out.add(new Scored(s.id(), text(tokenizer, s.id()), s.logprob()));
    }
    return out;
  }

  /** A model row the tokenizer has no piece for (padded embeddings) is shown by its id. */
  private static String text(GemmaTokenizer tokenizer, int id) {
    return tokenizer.knows(id) ? tokenizer.decode(id) : "<unknown id " + id + ">";
  }

  static String toJson(Inspection r) {
    ObjectNode root = JSON.createObjectNode();
    ArrayNode tokens = root.putArray("tokens");
    r.tokenTexts().forEach(tokens::add);
    ArrayNode ids = root.putArray("token_ids");
    for (int id : r.tokens().ids()) {
      ids.add(id);
    }
    root.put("dtype", r.dtype());
    root.set("top", scoresJson(r.top()));
    ArrayNode lens = root.putArray("lens");
    for (int l = 0; l < r.lens().size(); l++) {
      ObjectNode layer = lens.addObject();
      layer.put("layer", l);
      layer.set("top", scoresJson(r.lens().get(l)));
    }
    return root.toString(); // Jackson escapes every control character in token strings
  }

  private static ArrayNode scoresJson(List<Scored> scores) {
    ArrayNode a = JSON.createArrayNode();
    for (Scored s : scores) {
      a.addObject().put("token", s.text()).put("id", s.id()).put("logprob", s.logprob());
    }
    return a;
  }

  private void printText(PrintWriter out, Inspection r) {
    ModelConfig c = r.config();
    out.printf(
        Locale.ROOT,
        "model: %s (%s, %d layers)%n",
        modelOptions.spec(),
        c.architecture(),
        c.nLayers());
    StringBuilder toks = new StringBuilder();
    for (String t : r.tokenTexts()) {
      toks.append(' ').append(TokenText.quoted(t));
    }
    out.printf(Locale.ROOT, "prompt: %d tokens:%s%n", r.tokenTexts().size(), toks);
    out.printf(Locale.ROOT, "top %d next tokens:%n", r.top().size());
    int rank = 1;
    for (Scored s : r.top()) {
      out.printf(
          Locale.ROOT,
          "  %2d  %-24s id %-7d logprob %8.4f  p %.4f%n",
          rank++,
          TokenText.quoted(s.text()),
          s.id(),
          s.logprob(),
          Math.exp(s.logprob()));
    }
    if (!r.lens().isEmpty()) {
      out.println(
          "logit lens of resid_post (final norm, unembedding, soft-cap), top tokens per layer:");
      for (int l = 0; l < r.lens().size(); l++) {
        StringBuilder b = new StringBuilder();
        for (Scored s : r.lens().get(l)) {
          b.append(
              String.format(Locale.ROOT, "  %s %.2f", TokenText.quoted(s.text()), s.logprob()));
        }
        out.printf(Locale.ROOT, "  layer %2d:%s%n", l, b);
      }
    }
  }
}
