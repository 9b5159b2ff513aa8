package dev.saescope.lab.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.saescope.runtime.load.LoadedModel;
import dev.saescope.runtime.model.GemmaModel;
import dev.saescope.runtime.model.HookPoint;
import dev.saescope.runtime.sae.SaeParams;
import dev.saescope.runtime.sae.io.SaeFormat;
import dev.saescope.runtime.tokenizer.GemmaTokenizer;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Provisions the SAEs of a {@link SaeRecipe} into {@code ROOT/<folder>/} (SAELens layout): a folder
 * is complete when its marker {@value #MARKER}, written last after the SAE's {@code cfg.json} and
 * weights, records the same recipe; complete folders are reused, the others are trained from
 * nothing or resumed from their checkpoints, all in lockstep on one stream of forward passes
 * ({@link MultiTrainer}).
 */
public final class SaeProvisioner {
  private static final Logger LOG = LoggerFactory.getLogger(SaeProvisioner.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  /** The completeness marker, written last. */
  public static final String MARKER = "fetch-sae.json";

  /**
   * The recipe a folder's checkpoint is being trained with, written when training starts: a
   * checkpoint resumes only under the same recipe (the trainer's own check does not see the corpus
   * or the context).
   */
  public static final String TRAINING = "fetch-sae.training.json";

  private SaeProvisioner() {}

  /** One SAE folder and what it reads. */
  public record Provisioned(HookPoint hook, Path path) {}

  /** What a folder holds. */
  public enum State {
    /** Marker with this recipe, cfg.json and weights present: reused. */
    COMPLETE,
    /** No marker (nothing yet, or a run that stopped; its checkpoint is resumed). */
    INCOMPLETE,
    /** A marker with another recipe, or an unreadable one: trained again from nothing. */
    STALE
  }

  /**
   * The model a training run reads and how its documents become token ids.
   *
   * @param tokenize document text to ids without BOS (the activation source adds BOS)
   * @param closer releases the model and whatever tokenizes
   */
  public record TrainingModel(
      GemmaModel model, Function<String, int[]> tokenize, int bosId, AutoCloseable closer)
      implements AutoCloseable {
    /** A model loaded with its tokenizer; closing this closes both. */
    public static TrainingModel of(LoadedModel loaded) {
      GemmaTokenizer t = loaded.tokenizer();
      return new TrainingModel(
          loaded.model(),
          doc -> {
            int[] ids = t.encode(doc).ids();
            return Arrays.copyOfRange(ids, 1, ids.length);
          },
          t.bosId(),
          loaded);
    }

    @Override
    public void close() throws Exception {
      closer.close();
    }
  }

  /** Loads the model only when something must be trained. */
  @FunctionalInterface
  public interface ModelLoader {
    TrainingModel load() throws IOException;
  }

  /** {@code <root>/layer_L_SITE} for each hook of the recipe. */
  public static List<Provisioned> layout(SaeRecipe recipe, Path root) {
    List<Provisioned> out = new ArrayList<>();
    for (HookPoint h : recipe.hooks()) {
      out.add(new Provisioned(h, root.resolve(SaeRecipe.folderName(h)).toAbsolutePath()));
    }
    return out;
  }

  /**
   * The state of one folder for {@code recipe}; a problem with the marker is logged, not thrown.
   */
  public static State state(SaeRecipe recipe, Provisioned p) {
    Path marker = p.path().resolve(MARKER);
    if (!Files.isRegularFile(marker)) {
      return checkpointState(recipe, p);
    }
    try {
      JsonNode m = JSON.readTree(marker.toFile());
      if (!recipe.matches(m.get("recipe"), p.hook())) {
        LOG.info(
            "{} was made with another recipe ({}); it will be trained again",
            p.path(),
            m.get("recipe"));
        return State.STALE;
      }
    } catch (IOException e) {
      LOG.warn("{}: unreadable marker ({}); the SAE will be trained again", marker, e.getMessage());
      return State.STALE;
    }
    if (!Files.isRegularFile(p.path().resolve(SaeFormat.SAELENS_CFG))
        || !Files.isRegularFile(p.path().resolve(SaeFormat.SAELENS_WEIGHTS))) {
      LOG.warn(
          "{} has a marker but no {} or {}; the SAE will be trained again",
          p.path(),
          SaeFormat.SAELENS_CFG,
          SaeFormat.SAELENS_WEIGHTS);
      return State.STALE;
    }
    return State.COMPLETE;
  }

  /** A folder without a marker: a checkpoint of this recipe resumes, any other starts over. */
  private static State checkpointState(SaeRecipe recipe, Provisioned p) {
    if (!Files.isDirectory(p.path().resolve("checkpoint"))) {
      return State.INCOMPLETE;
    }
    Path training = p.path().resolve(TRAINING);
    JsonNode saved = null;
    try {
      saved = Files.isRegularFile(training) ? JSON.readTree(training.toFile()).get("recipe") : null;
    } catch (IOException e) {
      LOG.warn("{}: unreadable ({})", training, e.getMessage());
    }
    if (!recipe.matches(saved, p.hook())) {
      LOG.info(
          "{} holds a checkpoint of {}; training from nothing",
          p.path(),
          saved == null ? "an unrecorded recipe" : "another recipe (" + saved + ")");
      return State.STALE;
    }
    return State.INCOMPLETE;
  }

  /**
   * Reuses the complete folders and trains the rest.
   *
   * @param corpus the training text, only opened when something is trained
   * @param corpusDescription recorded in the marker
   * @return every folder of the recipe, in the recipe's layer order
   */
  public static List<Provisioned> provision(
      SaeRecipe recipe,
      Path root,
      ModelLoader loader,
      Iterable<String> corpus,
      String corpusDescription,
      PrintWriter err,
      boolean quiet)
      throws IOException {
    List<Provisioned> all = layout(recipe, root);
    List<Provisioned> todo = new ArrayList<>();
    for (Provisioned p : all) {
      State s = state(recipe, p);
      switch (s) {
        case COMPLETE -> LOG.info("reusing {}", p.path());
        case INCOMPLETE -> todo.add(p);
        case STALE -> {
          discard(p.path());
          todo.add(p);
        }
      }
    }
    if (todo.isEmpty()) {
      return all;
    }
    alignCheckpoints(recipe, todo);
    try (TrainingModel m = loader.load()) {
      train(recipe, todo, m, corpus, corpusDescription, err, quiet);
    } catch (IOException | RuntimeException e) {
      throw e;
    } catch (Exception e) {
      throw new IOException("closing the model: " + e.getMessage(), e);
    }
    return all;
  }

  /** Removes a stale SAE folder's files (only the ones saescope writes there). */
  static void discard(Path dir) throws IOException {
    Files.deleteIfExists(dir.resolve(MARKER));
    Files.deleteIfExists(dir.resolve(TRAINING));
    Files.deleteIfExists(dir.resolve(SaeFormat.SAELENS_CFG));
    Files.deleteIfExists(dir.resolve(SaeFormat.SAELENS_WEIGHTS));
    Path ckpt = dir.resolve("checkpoint");
    if (Files.isDirectory(ckpt)) {
      try (Stream<Path> s = Files.walk(ckpt)) {
        for (Path f : s.sorted(Comparator.reverseOrder()).toList()) {
          Files.delete(f);
        }
      }
    }
  }

  /**
   * SAEs trained in lockstep must resume from the same token count; if the folders to train stopped
   * at different points (one was deleted by hand, say), all of them start over.
   */
  private static void alignCheckpoints(SaeRecipe recipe, List<Provisioned> todo)
      throws IOException {
    Map<Long, Integer> at = new LinkedHashMap<>();
    for (Provisioned p : todo) {
      at.merge(checkpointTokens(p.path()), 1, Integer::sum);
    }
    if (at.size() > 1) {
      LOG.warn(
          "checkpoints of {} stopped at different token counts {}; training them all from nothing",
          todo,
          at.keySet());
      for (Provisioned p : todo) {
        discard(p.path());
      }
    }
  }

  private static long checkpointTokens(Path dir) {
    Path j = dir.resolve("checkpoint").resolve("trainer.json");
    try {
      return Files.isRegularFile(j) ? JSON.readTree(j.toFile()).path("tokens").asLong(0) : 0;
    } catch (IOException e) {
      return -1;
    }
  }

  private static void train(
      SaeRecipe recipe,
      List<Provisioned> todo,
      TrainingModel m,
      Iterable<String> corpus,
      String corpusDescription,
      PrintWriter err,
      boolean quiet)
      throws IOException {
    long t0 = System.nanoTime();
    List<TopKTrainer> trainers = new ArrayList<>();
    List<HookPoint> hooks = new ArrayList<>();
    try {
      openTrainers(recipe, todo, m, trainers, hooks);
      long start = trainers.get(0).tokens();
      if (start > 0 && !quiet) {
        err.printf(
            Locale.ROOT,
            "resuming %d SAE(s) at %d of %d tokens%n",
            todo.size(),
            start,
            recipe.tokens());
        err.flush();
      }
      Map<HookPoint, TrainProgress> last = new LinkedHashMap<>();
      List<SaeParams> saes =
          trainAll(recipe, m, corpus, trainers, hooks, last, start, t0, err, quiet);
      double seconds = (System.nanoTime() - t0) / 1e9;
      for (int i = 0; i < todo.size(); i++) {
        writeMarker(
            recipe, todo.get(i), saes.get(i), last.get(hooks.get(i)), corpusDescription, seconds);
      }
      if (!quiet) {
        err.printf(Locale.ROOT, "trained %d SAE(s) in %.0f s%n", todo.size(), seconds);
        err.flush();
      }
    } finally {
      trainers.forEach(TopKTrainer::close);
    }
  }

  /**
   * Opens (or resumes) one trainer per SAE of {@code todo}, adding each to {@code trainers} and its
   * hook point to {@code hooks} as it opens, so the caller closes whatever did open.
   */
  private static void openTrainers(
      SaeRecipe recipe,
      List<Provisioned> todo,
      TrainingModel m,
      List<TopKTrainer> trainers,
      List<HookPoint> hooks)
      throws IOException {
    for (Provisioned p : todo) {
      Files.createDirectories(p.path());
      ObjectNode training = JSON.createObjectNode();
      training.set("recipe", recipe.toJson(p.hook()));
      JSON.writeValue(p.path().resolve(TRAINING).toFile(), training);
      int dIn = p.hook().site().width(m.model().config());
      TrainConfig cfg =
          TrainConfig.of(dIn, recipe.width(), recipe.k(), recipe.tokens(), recipe.seed())
              .withBatchSize(recipe.batch())
              .withLr(recipe.lr())
              .withLrDecayFrom(recipe.lrDecayFrom())
              .withStdWeightExponent(recipe.stdWeightExponent())
              .withCheckpointEvery(
                  Math.max(1, (int) (20_000 / recipe.batch()))) // about every 20k tokens
              .withTarget(recipe.model(), Optional.of(p.hook()));
      trainers.add(TopKTrainer.open(cfg, p.path()));
      hooks.add(p.hook());
    }
  }

  /**
   * Trains every SAE on one pass of the model over {@code corpus}, keeping each hook's latest
   * progress in {@code last} and printing a progress line about every 15 s unless quiet.
   */
  private static List<SaeParams> trainAll(
      SaeRecipe recipe,
      TrainingModel m,
      Iterable<String> corpus,
      List<TopKTrainer> trainers,
      List<HookPoint> hooks,
      Map<HookPoint, TrainProgress> last,
      long start,
      long t0,
      PrintWriter err,
      boolean quiet)
      throws IOException {
    long[] reported = {System.nanoTime()};
    try (ModelActivationSource source =
        new ModelActivationSource(
            m.model(),
            m.tokenize(),
            m.bosId(),
            corpus,
            hooks,
            recipe.context(),
            recipe.forwardSeqs(),
            Math.max(recipe.batch() * 4, 4096),
            recipe.seed())) {
      HookPoint lastHook = hooks.get(hooks.size() - 1);
      return MultiTrainer.train(
          trainers,
          hooks,
          source,
          (h, p) -> {
            last.put(h, p);
            long now = System.nanoTime();
            boolean due = now - reported[0] > 15e9 || p.tokens() >= recipe.tokens();
            if (!quiet && h.equals(lastHook) && due) {
              reported[0] = now;
              err.println(progressLine(recipe, last, start, p.tokens(), (now - t0) / 1e9));
              err.flush();
            }
          });
    }
  }

  /** {@code 123456/600000 tokens 410 tok/s ETA 19m | L3 loss .. fvu .. dead .. | ...}. */
  static String progressLine(
      SaeRecipe recipe,
      Map<HookPoint, TrainProgress> last,
      long startTokens,
      long tokens,
      double seconds) {
    double rate = (tokens - startTokens) / Math.max(seconds, 1e-9);
    long eta = rate > 0 ? (long) ((recipe.tokens() - tokens) / rate) : -1;
    StringBuilder sb =
        new StringBuilder(
            String.format(
                Locale.ROOT,
                "%d/%d tokens  %.0f tok/s  ETA %s",
                tokens,
                recipe.tokens(),
                rate,
                eta < 0 ? "?" : String.format(Locale.ROOT, "%dm%02ds", eta / 60, eta % 60)));
    last.forEach(
        (h, p) ->
            sb.append(
                String.format(
                    Locale.ROOT,
                    "  | L%d loss %.4f fvu %.3f dead %.3f l0 %.1f",
                    h.layer(),
                    p.loss(),
                    p.fvu(),
                    p.deadFraction(),
                    p.l0())));
    return sb.toString();
  }

  /**
   * Written to a temporary name and moved into place after the SAE itself: the folder is then
   * complete.
   */
  private static void writeMarker(
      SaeRecipe recipe,
      Provisioned p,
      SaeParams sae,
      TrainProgress last,
      String corpusDescription,
      double seconds)
      throws IOException {
    ObjectNode j = JSON.createObjectNode();
    j.set("recipe", recipe.toJson(p.hook()));
    j.put("corpus", corpusDescription);
    j.put("sae_hash", sae.meta().hash());
    j.put("train_seconds", seconds);
    if (last != null) {
      j.put("last_batch_fvu", last.fvu());
      j.put("last_batch_dead_fraction", last.deadFraction());
      j.put("last_batch_l0", last.l0());
    }
    Path tmp = p.path().resolve(MARKER + ".tmp");
    JSON.writerWithDefaultPrettyPrinter().writeValue(tmp.toFile(), j);
    Files.move(
        tmp,
        p.path().resolve(MARKER),
        StandardCopyOption.REPLACE_EXISTING,
        StandardCopyOption.ATOMIC_MOVE);
  }
}
