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

/**
 * Turns one task's forward pass, lens and SAE latents into its {@link LayerResult}s: one per
 * reported layer ({@code resid_post}: dense rows, the lens summary and target scores, plus the
 * latents of an SAE attached there), and one per SAE attached anywhere else (latents only).
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
    for (ExperimentProcessor.AttachedSae a : saes) {
      saeAt.put(a.hook(), a);
    }
  }

  /**
   * The results of sequence {@code seq} of the batch.
   *
   * @param lens the task's lens at {@code q_end}, one row per lens layer
   * @param computeMs the batch's forward time divided by its tasks
   */
  List<LayerResult> of(
      TaskProcessor.Accepted<PreparedTask> accepted,
      int seq,
      ForwardResult forward,
      LensStats lens,
      float computeMs) {
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
    int[] targets = p.targetsAtQEnd();
    float[][] embedRows = model.unembeddingColumns(PreparedTask.validTargets(targets));
    List<LayerResult> results = new ArrayList<>();
    for (int k = 0; k < lensLayers.size(); k++) {
      int layer = lensLayers.get(k);
      if (layers.contains(layer)) {
        Rows resid = forward.capture(layer, Site.RESID_POST, seq);
        results.add(residual(common, layer, resid, lens, k, targets, embedRows));
      }
    }
    for (ExperimentProcessor.AttachedSae a : saes) {
      if (a.hook().site() == Site.RESID_POST && layers.contains(a.hook().layer())) {
        continue; // reported with the layer's residual above
      }
      Rows acts = forward.capture(a.hook().layer(), a.hook().site(), seq);
      results.add(
          result(
              common,
              a.hook().layer(),
              a.hook().site(),
              a.id(),
              DenseRows.none(acts.width()),
              encoder.encode(a, acts).rows(),
              List.of(),
              List.of()));
    }
    return results;
  }

  /** A reported layer's {@code resid_post}: dense rows, lens row {@code k}, scores, latents. */
  private LayerResult residual(
      Common common,
      int layer,
      Rows resid,
      LensStats lens,
      int k,
      int[] targets,
      float[][] embedRows) {
    PreparedTask p = common.prepared();
    ExperimentProcessor.AttachedSae sae = saeAt.get(new HookPoint(layer, Site.RESID_POST));
    LatentRows latents = LatentRows.none();
    float[] attribution = new float[targets.length];
    if (sae != null) {
      SaeEncoder.Encoded enc = encoder.encode(sae, resid);
      latents = enc.rows();
      attribution = encoder.attribution(sae, enc.z(), p.qEnd(), targets, embedRows);
    }
    List<TargetScore> scores = new ArrayList<>();
    for (int t = 0; t < targets.length; t++) {
      if (targets[t] >= 0) {
        scores.add(
            new TargetScore(
                p.qEnd(),
                targets[t],
                PreparedTask.TARGET_ROLES[t],
                lens.targetLogprobs()[k][t],
                (int) lens.targetRanks()[k][t],
                attribution[t]));
      }
    }
    LensSummary summary =
        new LensSummary(p.qEnd(), (int) lens.top1()[k], Math.max(0f, lens.klBits()[k]));
    return result(
        common,
        layer,
        Site.RESID_POST,
        sae == null ? null : sae.id(),
        denseRows(resid, p.densePositions()),
        latents,
        scores,
        List.of(summary));
  }

  private LayerResult result(
      Common common,
      int layer,
      Site site,
      String saeId,
      DenseRows dense,
      LatentRows latents,
      List<TargetScore> scores,
      List<LensSummary> lens) {
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
        System.currentTimeMillis());
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
