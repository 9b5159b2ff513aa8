package dev.saescope.schemas;

import java.util.List;

/**
 * What one worker computed for one task at one layer and site: the results contract between workers
 * and every reader of the results topic. Mirrors {@code TaskResult.avsc}; {@link
 * dev.saescope.schemas.serde.ResultCodec} maps it to and from the Avro class at the edge.
 *
 * <p>A result too large for one message travels as {@code parts} parts ({@link ResultParts}); a
 * part has the same fields, with a slice of the dense and latent rows. Readers join the parts
 * before computing anything ({@link ResultAssembler}).
 *
 * <p>Invariants: ids, site, model and worker ids are non-blank; {@code 0 <= part < parts}; every
 * dense, latent, score and lens position lies inside {@code tokens}; latents come with an SAE id.
 *
 * @param runId the producer run
 * @param taskId the task, unique within a run
 * @param itemId the fact; the Kafka key on the results topic
 * @param labels what the experiments group by, copied from the task
 * @param layer decoder layer, 0-based
 * @param site capture site: {@code resid_pre}, {@code resid_post}, {@code mlp_out} or {@code
 *     attn_z}
 * @param part which part this is, 0-based
 * @param parts how many parts the whole result has (1 when it is not split)
 * @param modelId the model, as the worker names it
 * @param saeId the SAE whose latents this carries; null without one
 * @param workerId the worker that computed it
 * @param tokens the text's tokens, {@code q_end} and the answer span
 * @param dense {@code h_l} at {@code q_end} and the answer tokens // [rows, dModel]
 * @param latents the SAE's latents with reconstruction errors // [rows] x [l0]
 * @param scores target tokens scored at {@code q_end}
 * @param lens the logit lens summary at {@code q_end}
 * @param computeMs the batch's forward time divided by its tasks, milliseconds
 * @param producedAtMs wall-clock time the worker built the result, epoch milliseconds
 * @param latentTargets E3b figures at {@code q_end} and the gold token (SAE results only)
 * @param resultsPerTask how many whole results the worker sends for this task; 0 = unknown
 * @param dtype what the model and SAEs ran in: {@code fp32}, {@code bf16} or {@code fp16}
 */
public record LayerResult(
    String runId,
    String taskId,
    String itemId,
    TaskLabels labels,
    int layer,
    String site,
    int part,
    int parts,
    String modelId,
    String saeId,
    String workerId,
    PromptTokens tokens,
    DenseRows dense,
    LatentRows latents,
    List<TargetScore> scores,
    List<LensSummary> lens,
    float computeMs,
    long producedAtMs,
    List<LatentTarget> latentTargets,
    int resultsPerTask,
    String dtype) {

  /** The dtypes results may name. */
  public static final List<String> DTYPES = List.of("fp32", "bf16", "fp16");

  public LayerResult {
    String at = "result of task " + taskId + " layer " + layer + " " + site;
    Require.nonBlank(taskId, "taskId", "result");
    Require.nonBlank(runId, "runId", at);
    Require.nonBlank(itemId, "itemId", at);
    Require.nonNull(labels, "labels", at);
    Require.nonNegative(layer, "layer", at);
    Require.nonBlank(site, "site", at);
    Require.nonBlank(modelId, "modelId", at);
    Require.nonBlank(workerId, "workerId", at);
    if (saeId != null && saeId.isBlank()) {
      throw new IllegalArgumentException(at + ": saeId is blank (null means no SAE)");
    }
    if (parts < 1 || part < 0 || part >= parts) {
      throw new IllegalArgumentException(at + ": part " + part + " of " + parts);
    }
    Require.nonNull(tokens, "tokens", at);
    Require.nonNull(dense, "dense", at);
    Require.nonNull(latents, "latents", at);
    scores = Require.listOf(scores, "scores", at);
    lens = Require.listOf(lens, "lens", at);
    latentTargets = Require.listOf(latentTargets, "latentTargets", at);
    if (resultsPerTask < 0) {
      throw new IllegalArgumentException(at + ": resultsPerTask " + resultsPerTask);
    }
    if (!DTYPES.contains(dtype)) {
      throw new IllegalArgumentException(at + ": dtype '" + dtype + "', expected one of " + DTYPES);
    }
    if (!latentTargets.isEmpty() && saeId == null) {
      throw new IllegalArgumentException(at + ": latent targets without an SAE id");
    }
    if (!latents.isEmpty() && saeId == null) {
      throw new IllegalArgumentException(at + ": latents without an SAE id");
    }
    if (computeMs < 0 || producedAtMs < 0) {
      throw new IllegalArgumentException(
          at + ": negative timing computeMs=" + computeMs + " producedAtMs=" + producedAtMs);
    }
    int n = tokens.size();
    for (int p : dense.positions()) {
      requireInside(p, n, "dense row", at);
    }
    for (LatentRow r : latents.rows()) {
      requireInside(r.position(), n, "latent row", at);
    }
    for (TargetScore s : scores) {
      requireInside(s.position(), n, "score", at);
    }
    for (LensSummary l : lens) {
      requireInside(l.position(), n, "lens", at);
    }
    for (LatentTarget t : latentTargets) {
      requireInside(t.position(), n, "latent target", at);
    }
  }

  /** A result of a worker that predates latent targets, task sizes and dtypes (fp32). */
  public LayerResult(
      String runId,
      String taskId,
      String itemId,
      TaskLabels labels,
      int layer,
      String site,
      int part,
      int parts,
      String modelId,
      String saeId,
      String workerId,
      PromptTokens tokens,
      DenseRows dense,
      LatentRows latents,
      List<TargetScore> scores,
      List<LensSummary> lens,
      float computeMs,
      long producedAtMs) {
    this(
        runId,
        taskId,
        itemId,
        labels,
        layer,
        site,
        part,
        parts,
        modelId,
        saeId,
        workerId,
        tokens,
        dense,
        latents,
        scores,
        lens,
        computeMs,
        producedAtMs,
        List.of(),
        0,
        "fp32");
  }

  /**
   * Which whole result a part belongs to: readers count a result once per key (DESIGN.md, Kafka).
   */
  public record Key(String runId, String taskId, int layer, String site) {
    @Override
    public String toString() {
      return "task " + taskId + " layer " + layer + " " + site + " (run " + runId + ")";
    }
  }

  /** This result's key. */
  public Key key() {
    return new Key(runId, taskId, layer, site);
  }

  /** Whether this is a whole result rather than one part of a split one. */
  public boolean isWhole() {
    return parts == 1;
  }

  /**
   * The same result as part {@code part} of {@code parts}, with other rows, scores, lens and latent
   * targets.
   */
  LayerResult withPart(
      int part,
      int parts,
      DenseRows dense,
      LatentRows latents,
      List<TargetScore> scores,
      List<LensSummary> lens,
      List<LatentTarget> targets) {
    return new LayerResult(
        runId,
        taskId,
        itemId,
        labels,
        layer,
        site,
        part,
        parts,
        modelId,
        saeId,
        workerId,
        tokens,
        dense,
        latents,
        scores,
        lens,
        computeMs,
        producedAtMs,
        targets,
        resultsPerTask,
        dtype);
  }

  private static void requireInside(int position, int tokens, String what, String at) {
    if (position >= tokens) {
      throw new IllegalArgumentException(
          at + ": " + what + " at position " + position + " is beyond the " + tokens + " tokens");
    }
  }
}
