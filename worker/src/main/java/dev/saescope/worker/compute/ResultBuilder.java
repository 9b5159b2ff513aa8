package dev.saescope.worker.compute;

import dev.saescope.runtime.model.ForwardResult;
import dev.saescope.runtime.model.GemmaModel;
import dev.saescope.runtime.model.HookPoint;
import dev.saescope.runtime.model.LensStats;
import dev.saescope.runtime.model.Rows;
import dev.saescope.runtime.model.Site;
import dev.saescope.runtime.tokenizer.GemmaTokenizer;
import dev.saescope.schemas.DenseRows;
import dev.saescope.schemas.LatentRows;
import dev.saescope.schemas.LatentTarget;
import dev.saescope.schemas.LayerResult;
import dev.saescope.schemas.LensSummary;
import dev.saescope.schemas.PromptTokens;
import dev.saescope.schemas.TargetScore;
import dev.saescope.schemas.Task;
import dev.saescope.schemas.TaskLabels;
import dev.saescope.worker.service.TaskProcessor;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedSet;
import java.util.function.Supplier;

/**
 * Turns a batch's forward pass, lens and SAE latents into each task's {@link LayerResult}s: one per
 * reported layer ({@code resid_post}: dense rows, the lens summary and target scores, plus the
 * latents of an SAE attached there), and one per SAE attached anywhere else (latents and E3b's
 * latent targets). Every result says how many results its task has ({@code resultsPerTask}), so
 * readers know when a task is complete.
 */
final class ResultBuilder {
  private final GemmaModel model;
  private final GemmaTokenizer tokenizer;
  private final String modelId;
  private final String workerId;
  private final SortedSet<Integer> layers;
  private final List<Integer> lensLayers;
  private final List<ExperimentProcessor.AttachedSae> saes;
  private final Map<HookPoint, ExperimentProcessor.AttachedSae> saeAt = new HashMap<>();
  private final SaeEncoder encoder;

  /** How many results {@link #of} returns for every task, which results carry for completeness. */
  private final int resultsPerTask;

  /** What every result of one task shares. */
  private record Common(
      Task task, PreparedTask prepared, TaskLabels labels, PromptTokens tokens, float computeMs) {}

  ResultBuilder(
      GemmaModel model,
      GemmaTokenizer tokenizer,
      String modelId,
      String workerId,
      SortedSet<Integer> layers,
      List<Integer> lensLayers,
      List<ExperimentProcessor.AttachedSae> saes,
      SaeEncoder encoder) {
    this.model = model;
    this.tokenizer = tokenizer;
    this.modelId = modelId;
    this.workerId = workerId;
    this.layers = layers;
    this.lensLayers = lensLayers;
    this.saes = saes;
    this.encoder = encoder;
    int perTask = 0;
    for (int layer : lensLayers) {
      perTask += layers.contains(layer) ? 1 : 0;
    }
    for (ExperimentProcessor.AttachedSae a : saes) {
      saeAt.put(a.hook(), a);
      perTask += reportedWithResidual(a) ? 0 : 1;
    }
    this.resultsPerTask = perTask;
  }

  /**
   * The results of every task of the batch, in batch order: first each task's own work (latents,
   * directions), then every full-vocabulary rank of the batch in shared engine calls ({@link
   * BatchRanks}), then the results that carry them.
   *
   * @param lens one per task, as {@link TaskLens#at} returns them
   * @param computeMs the batch's forward time divided by its tasks
   */
  List<LayerResult> of(
      List<TaskProcessor.Accepted<PreparedTask>> batch,
      ForwardResult forward,
      List<TaskLens.Stats> lens,
      float computeMs) {
    BatchRanks ranks = new BatchRanks(model.embedding());
    List<Supplier<LayerResult>> pending = new ArrayList<>(batch.size() * resultsPerTask);
    for (int seq = 0; seq < batch.size(); seq++) {
      pending.addAll(of(batch.get(seq), seq, forward, lens.get(seq), computeMs, ranks));
    }
    ranks.run();
    List<LayerResult> results = new ArrayList<>(pending.size());
    for (Supplier<LayerResult> p : pending) {
      results.add(p.get());
    }
    return results;
  }

  /** The results of sequence {@code seq} of the batch, once {@code ranks} has run. */
  private List<Supplier<LayerResult>> of(
      TaskProcessor.Accepted<PreparedTask> accepted,
      int seq,
      ForwardResult forward,
      TaskLens.Stats lens,
      float computeMs,
      BatchRanks ranks) {
    PreparedTask p = accepted.prepared();
    int[] ids = p.tokens().ids();
    List<String> texts = new ArrayList<>(ids.length);
    for (int id : ids) {
      texts.add(tokenizer.decode(id));
    }
    Common common =
        new Common(
            accepted.task(),
            p,
            TaskLabels.of(accepted.task()),
            new PromptTokens(ids, texts, p.qEnd(), p.ansStart(), p.ansEnd()),
            computeMs);
    List<Supplier<LayerResult>> results = new ArrayList<>(resultsPerTask);
    for (int k = 0; k < lensLayers.size(); k++) {
      int layer = lensLayers.get(k);
      if (layers.contains(layer)) {
        Rows resid = forward.capture(layer, Site.RESID_POST, seq);
        results.add(residual(common, layer, resid, lens, k, ranks));
      }
    }
    for (ExperimentProcessor.AttachedSae a : saes) {
      if (reportedWithResidual(a)) {
        continue; // reported with the layer's residual above
      }
      Rows acts = forward.capture(a.hook().layer(), a.hook().site(), seq);
      SaeEncoder.Encoded enc = encoder.encode(a, acts);
      Supplier<List<LatentTarget>> latentTargets = latentTargets(a, enc, p, ranks);
      results.add(
          () ->
              result(
                  common,
                  a.hook().layer(),
                  a.hook().site(),
                  a.id(),
                  DenseRows.none(acts.width()),
                  enc.rows(),
                  List.of(),
                  List.of(),
                  latentTargets.get()));
    }
    return results;
  }

  private boolean reportedWithResidual(ExperimentProcessor.AttachedSae a) {
    return a.hook().site() == Site.RESID_POST && layers.contains(a.hook().layer());
  }

  /** A reported layer's {@code resid_post}: dense rows, lens rows of layer {@code k}, latents. */
  private Supplier<LayerResult> residual(
      Common common, int layer, Rows resid, TaskLens.Stats lens, int k, BatchRanks ranks) {
    PreparedTask p = common.prepared();
    ExperimentProcessor.AttachedSae sae = saeAt.get(new HookPoint(layer, Site.RESID_POST));
    int[] positions = lens.positions();
    int[][] targets = new int[positions.length][];
    for (int q = 0; q < positions.length; q++) {
      targets[q] = p.lensTargets(positions[q]);
    }
    DenseRows dense = denseRows(resid, p.densePositions());
    List<LensSummary> summaries = summaries(lens, k);
    if (sae == null) {
      List<TargetScore> scores = scores(p, lens, k, targets, null);
      return () ->
          result(
              common,
              layer,
              Site.RESID_POST,
              null,
              dense,
              LatentRows.none(),
              scores,
              summaries,
              List.of());
    }
    SaeEncoder.Encoded enc = encoder.encode(sae, resid);
    Supplier<SaeEncoder.Attribution> attribution =
        encoder.attribution(sae, enc.z(), positions, targets, ranks);
    Supplier<List<LatentTarget>> latentTargets = latentTargets(sae, enc, p, ranks);
    return () ->
        result(
            common,
            layer,
            Site.RESID_POST,
            sae.id(),
            dense,
            enc.rows(),
            scores(p, lens, k, targets, attribution.get()),
            summaries,
            latentTargets.get());
  }

  /**
   * The scored tokens at each lens position, in column order, with the lens rows of layer {@code k}
   * and the SAE's attribution ({@code null} without an SAE: 0 and rank -1).
   */
  private List<TargetScore> scores(
      PreparedTask p,
      TaskLens.Stats lens,
      int k,
      int[][] targets,
      SaeEncoder.Attribution attribution) {
    int[] positions = lens.positions();
    LensStats rows = lens.rows();
    List<TargetScore> scores = new ArrayList<>();
    for (int q = 0; q < positions.length; q++) {
      int row = q * lensLayers.size() + k;
      for (int j = 0; j < targets[q].length; j++) {
        if (targets[q][j] >= 0) {
          scores.add(
              new TargetScore(
                  positions[q],
                  targets[q][j],
                  p.roleAt(positions[q], j),
                  rows.targetLogprobs()[row][j],
                  (int) rows.targetRanks()[row][j],
                  attribution == null ? 0f : attribution.values()[q][j],
                  attribution == null ? -1 : attribution.ranks()[q][j]));
        }
      }
    }
    return scores;
  }

  /** The lens summary at each lens position, from the lens rows of layer {@code k}. */
  private List<LensSummary> summaries(TaskLens.Stats lens, int k) {
    int[] positions = lens.positions();
    LensStats rows = lens.rows();
    List<LensSummary> summaries = new ArrayList<>(positions.length);
    for (int q = 0; q < positions.length; q++) {
      int row = q * lensLayers.size() + k;
      summaries.add(
          new LensSummary(positions[q], (int) rows.top1()[row], Math.max(0f, rows.klBits()[row])));
    }
    return summaries;
  }

  /** E3b at the gold points, for SAEs that write to the residual stream (width dModel). */
  private Supplier<List<LatentTarget>> latentTargets(
      ExperimentProcessor.AttachedSae a, SaeEncoder.Encoded enc, PreparedTask p, BatchRanks ranks) {
    if (p.gold0() < 0 || a.sae().dIn() != model.config().dModel()) {
      return List::of;
    }
    return encoder.latentTargets(a, enc.z(), p.goldPoints(), p.gold0(), ranks);
  }

  private LayerResult result(
      Common common,
      int layer,
      Site site,
      String saeId,
      DenseRows dense,
      LatentRows latents,
      List<TargetScore> scores,
      List<LensSummary> lens,
      List<LatentTarget> latentTargets) {
    Task task = common.task();
    return new LayerResult(
        task.runId(),
        task.taskId(),
        task.itemId(),
        common.labels(),
        layer,
        site.key(),
        0,
        1,
        modelId,
        saeId,
        workerId,
        common.tokens(),
        dense,
        latents,
        scores,
        lens,
        common.computeMs(),
        System.currentTimeMillis(),
        latentTargets,
        resultsPerTask,
        model.dtype().label()); // the precision the model ran in; SAEs encode in fp32
  }

  /** The rows of {@code rows} at {@code positions} // [positions, width] */
  private static DenseRows denseRows(Rows rows, int[] positions) {
    int width = rows.width();
    float[] values = new float[positions.length * width];
    for (int i = 0; i < positions.length; i++) {
      for (int c = 0; c < width; c++) {
        values[i * width + c] = rows.get(positions[i], c);
      }
    }
    return new DenseRows(positions, width, values);
  }
}
