package dev.saescope.worker.service;

import dev.saescope.avro.DeadLetterReason;
import dev.saescope.avro.LensSummary;
import dev.saescope.avro.SparseLatents;
import dev.saescope.avro.TaskResult;
import dev.saescope.avro.TokenScore;
import dev.saescope.schemas.Task;
import dev.saescope.worker.model.CaptureSpec;
import dev.saescope.worker.model.ForwardResult;
import dev.saescope.worker.model.GemmaModel;
import dev.saescope.worker.model.HookPoint;
import dev.saescope.worker.model.Positions;
import dev.saescope.worker.model.Rows;
import dev.saescope.worker.model.Site;
import dev.saescope.worker.sae.Sae;
import dev.saescope.worker.tokenizer.GemmaTokenizer;
import dev.saescope.worker.tokenizer.Tokens;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * Computes what EXPERIMENTS.md needs from one task, per layer: {@code resid_post} at {@code q_end}
 * and the answer tokens (dense), sparse latents of each attached SAE at every position with the
 * reconstruction error, and at {@code q_end} the full logit lens (top-1, KL to the final layer in
 * bits, log-probability and rank of the answer's first token and of the gold object's first token)
 * and the SAE's direct logit attribution to those tokens.
 *
 * <p>The full-vocabulary lens costs about {@code 2 · dModel · vocab} FLOPs per layer (0.34 GFLOP on
 * Gemma 3 270M), so it runs at {@code q_end} only; the worker times it separately ({@link
 * #lensNanos()}).
 */
public final class ExperimentProcessor implements TaskProcessor {

  /** An SAE attached at a hook point, with the id results carry. */
  public record AttachedSae(String id, Sae sae, HookPoint hook) {
    public AttachedSae {
      Objects.requireNonNull(id, "id");
      Objects.requireNonNull(sae, "sae");
      Objects.requireNonNull(hook, "hook");
    }
  }

  /** What {@link #check} keeps: the tokens and the positions of the question's end and answer. */
  record Prepared(Tokens tokens, int qEnd, int ansStart, int ansEnd, int gold0) {}

  private final GemmaModel model;
  private final GemmaTokenizer tokenizer;
  private final String modelId;
  private final String workerId;
  private final List<AttachedSae> saes;
  private final SortedSet<Integer> layers;
  private final int maxTokens;
  private final Set<String> saeIds = new HashSet<>();
  private final Map<String, float[]> decoderBias = new HashMap<>();
  private long lensNanos;

  /**
   * @param layers layers whose {@code resid_post} is reported (dense rows and lens); SAE layers need
   *     not be among them
   * @param maxTokens longest task accepted (BOS included); longer ones are dead-lettered
   */
  public ExperimentProcessor(
      GemmaModel model,
      GemmaTokenizer tokenizer,
      String modelId,
      String workerId,
      List<AttachedSae> saes,
      SortedSet<Integer> layers,
      int maxTokens) {
    this.model = model;
    this.tokenizer = tokenizer;
    this.modelId = modelId;
    this.workerId = workerId;
    this.saes = List.copyOf(saes);
    this.layers = new TreeSet<>(layers);
    int nLayers = model.config().nLayers();
    for (int l : layers) {
      if (l < 0 || l >= nLayers) {
        throw new IllegalArgumentException("--layers: layer " + l + " is outside 0.." + (nLayers - 1));
      }
    }
    this.maxTokens = Math.min(maxTokens, model.config().maxPositions());
    for (AttachedSae a : saes) {
      a.sae().requireFits(a.hook().site().width(model.config()), a.hook());
      if (!saeIds.add(a.id())) {
        throw new IllegalArgumentException("two SAEs share the id " + a.id());
      }
      // decode(no latents) = b_dec: subtracting it leaves sum_i z_i W_dec[i], the latents' own
      // contribution, which is what direct logit attribution dots with W_U.
      decoderBias.put(a.id(), a.sae().decode(new dev.saescope.worker.sae.SparseLatents(a.sae().dSae(), new int[] {0, 0}, new int[0], new float[0])));
    }
  }

  @Override
  public Checked check(Task task) {
    if (task.text().isBlank()) {
      return new Rejected(DeadLetterReason.EMPTY_TEXT, "task " + task.taskId() + " has an empty text");
    }
    for (String id : task.saeIds()) {
      if (!saeIds.contains(id)) {
        return new Rejected(
            DeadLetterReason.UNKNOWN_SAE, "task " + task.taskId() + " asks for SAE '" + id + "'; this worker has " + saeIds);
      }
    }
    if (task.answerStart() > task.text().length()) {
      return new Rejected(
          DeadLetterReason.INVALID,
          "task " + task.taskId() + ": answer_start " + task.answerStart() + " is beyond the text's " + task.text().length() + " characters");
    }
    Tokens tokens;
    try {
      tokens = tokenizer.encode(task.text());
    } catch (IllegalArgumentException e) {
      return new Rejected(DeadLetterReason.INVALID, "task " + task.taskId() + ": " + e.getMessage());
    }
    if (tokens.size() > maxTokens) {
      return new Rejected(
          DeadLetterReason.TOO_LONG,
          "task " + task.taskId() + " has " + tokens.size() + " tokens; the limit is " + maxTokens);
    }
    int n = tokens.size();
    int ansStart = task.answerStart() >= task.text().length() ? n : Math.max(1, tokens.tokenAtChar(task.answerStart()));
    int qEnd = Math.max(0, ansStart - 1);
    int gold0 = task.goldObjects().isEmpty() ? -1 : firstToken(task.goldObjects().get(0));
    return new Accepted(task, n, new Prepared(tokens, qEnd, ansStart, n, gold0));
  }

  private int firstToken(String word) {
    int[] ids = tokenizer.encode(" " + word).ids();
    return ids.length > 1 ? ids[1] : -1;
  }

  @Override
  public List<TaskResult> process(List<Accepted> batch) {
    List<int[]> sequences = new ArrayList<>(batch.size());
    for (Accepted a : batch) {
      sequences.add(((Prepared) a.prepared()).tokens().ids());
    }
    Set<HookPoint> hooks = new HashSet<>();
    int finalLayer = model.config().nLayers() - 1;
    hooks.add(new HookPoint(finalLayer, Site.RESID_POST)); // the model's own distribution
    for (int l : layers) {
      hooks.add(new HookPoint(l, Site.RESID_POST));
    }
    for (AttachedSae a : saes) {
      hooks.add(a.hook());
    }
    long t0 = System.nanoTime();
    ForwardResult forward = model.forward(sequences, new CaptureSpec(hooks, Positions.all(), Positions.none()));
    float computeMs = (System.nanoTime() - t0) / 1e6f / batch.size();
    List<TaskResult> out = new ArrayList<>();
    for (int i = 0; i < batch.size(); i++) {
      out.addAll(resultsOf(batch.get(i), i, forward, computeMs));
    }
    return out;
  }

  private List<TaskResult> resultsOf(Accepted accepted, int seq, ForwardResult forward, float computeMs) {
    Task task = accepted.task();
    Prepared p = (Prepared) accepted.prepared();
    int[] ids = p.tokens().ids();
    List<String> tokenText = new ArrayList<>(ids.length);
    List<Integer> idList = new ArrayList<>(ids.length);
    for (int id : ids) {
      idList.add(id);
      tokenText.add(tokenizer.decode(id));
    }
    int[] targets = targetsAtQEnd(p, ids);
    String[] roles = {"ans0", "gold0"};

    // Full lens at q_end, every reported layer plus the final one, in one unembedding call.
    List<Integer> lensLayers = new ArrayList<>(layers);
    int finalLayer = model.config().nLayers() - 1;
    if (!layers.contains(finalLayer)) {
      lensLayers.add(finalLayer);
    }
    int d = model.config().dModel();
    float[] qEndRows = new float[lensLayers.size() * d];
    for (int k = 0; k < lensLayers.size(); k++) {
      Rows r = forward.capture(lensLayers.get(k), Site.RESID_POST, seq);
      System.arraycopy(r.values(), p.qEnd() * d, qEndRows, k * d, d);
    }
    int[] rowPositions = new int[lensLayers.size()];
    java.util.Arrays.fill(rowPositions, p.qEnd());
    long lensStart = System.nanoTime();
    float[][] logProbs = model.lensLogProbs(new Rows(rowPositions, d, qEndRows));
    float[] finalLp = logProbs[lensLayers.indexOf(finalLayer)];
    float[][] embedRows = model.unembeddingColumns(validTargets(targets));
    synchronized (this) {
      lensNanos += System.nanoTime() - lensStart;
    }

    Map<HookPoint, AttachedSae> saeAt = new HashMap<>();
    for (AttachedSae a : saes) {
      saeAt.put(a.hook(), a);
    }
    List<TaskResult> results = new ArrayList<>();
    for (int k = 0; k < lensLayers.size(); k++) {
      int layer = lensLayers.get(k);
      if (!layers.contains(layer)) {
        continue;
      }
      HookPoint hook = new HookPoint(layer, Site.RESID_POST);
      Rows resid = forward.capture(layer, Site.RESID_POST, seq);
      AttachedSae sae = saeAt.get(hook);
      TaskResult.Builder b = base(task, p, idList, tokenText, layer, Site.RESID_POST, computeMs);
      List<Integer> densePositions = densePositions(p);
      b.setDensePositions(densePositions).setDense(rowsToBytes(resid, densePositions)).setDModel(d);
      float[] attribution = new float[targets.length];
      if (sae != null) {
        EncodedLatents enc = encode(sae, resid);
        b.setLatents(enc.avro()).setDSae(sae.sae().dSae()).setSaeId(sae.id());
        attribution = attribution(sae, enc.latents(), p.qEnd(), targets, embedRows);
      }
      float[] lp = logProbs[k];
      List<TokenScore> scores = new ArrayList<>();
      for (int t = 0; t < targets.length; t++) {
        if (targets[t] >= 0) {
          scores.add(new TokenScore(p.qEnd(), targets[t], roles[t], lp[targets[t]], rank(lp, targets[t]), attribution[t]));
        }
      }
      b.setScores(scores);
      b.setLens(List.of(new LensSummary(p.qEnd(), argmax(lp), klBits(finalLp, lp))));
      results.add(b.build());
    }
    for (AttachedSae a : saes) {
      if (a.hook().site() == Site.RESID_POST && layers.contains(a.hook().layer())) {
        continue; // reported with the layer's residual above
      }
      Rows acts = forward.capture(a.hook().layer(), a.hook().site(), seq);
      EncodedLatents enc = encode(a, acts);
      results.add(
          base(task, p, idList, tokenText, a.hook().layer(), a.hook().site(), computeMs)
              .setDensePositions(List.of())
              .setDense(ByteBuffer.allocate(0))
              .setDModel(acts.width())
              .setLatents(enc.avro())
              .setDSae(a.sae().dSae())
              .setSaeId(a.id())
              .build());
    }
    return results;
  }

  private TaskResult.Builder base(
      Task task, Prepared p, List<Integer> ids, List<String> tokens, int layer, Site site, float computeMs) {
    return TaskResult.newBuilder()
        .setRunId(task.runId())
        .setTaskId(task.taskId())
        .setItemId(task.itemId())
        .setRelation(task.relation())
        .setVariant(dev.saescope.avro.Variant.valueOf(task.variant().wireName()))
        .setLayer(layer)
        .setSite(site.key())
        .setModelId(modelId)
        .setWorkerId(workerId)
        .setTokenIds(ids)
        .setTokens(tokens)
        .setQEnd(p.qEnd())
        .setAnsStart(p.ansStart())
        .setAnsEnd(p.ansEnd())
        .setComputeMs(computeMs)
        .setProducedAtMs(System.currentTimeMillis());
  }

  /** The answer's first token (if there is an answer) and the gold object's first token. */
  private static int[] targetsAtQEnd(Prepared p, int[] ids) {
    int ans0 = p.ansStart() < p.ansEnd() ? ids[p.ansStart()] : -1;
    return new int[] {ans0, p.gold0()};
  }

  private static int[] validTargets(int[] targets) {
    int[] out = new int[targets.length];
    for (int i = 0; i < targets.length; i++) {
      out[i] = Math.max(0, targets[i]);
    }
    return out;
  }

  private static List<Integer> densePositions(Prepared p) {
    List<Integer> out = new ArrayList<>();
    out.add(p.qEnd());
    for (int t = p.ansStart(); t < p.ansEnd(); t++) {
      out.add(t);
    }
    return out;
  }

  private static ByteBuffer rowsToBytes(Rows rows, List<Integer> positions) {
    ByteBuffer buf = ByteBuffer.allocate(positions.size() * rows.width() * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
    for (int pos : positions) {
      for (int c = 0; c < rows.width(); c++) {
        buf.putFloat(rows.get(pos, c));
      }
    }
    return buf.flip();
  }

  private record EncodedLatents(dev.saescope.worker.sae.SparseLatents latents, List<SparseLatents> avro) {}

  private static EncodedLatents encode(AttachedSae a, Rows acts) {
    dev.saescope.worker.sae.SparseLatents z = a.sae().encode(acts.values(), acts.count());
    float[] err = a.sae().squaredError(acts.values(), a.sae().decode(z));
    List<SparseLatents> avro = new ArrayList<>(z.tokens());
    for (int t = 0; t < z.tokens(); t++) {
      avro.add(new SparseLatents(t, boxed(z.indicesAt(t)), boxed(z.valuesAt(t)), err[t]));
    }
    return new EncodedLatents(z, avro);
  }

  /** sum_i z_i(q_end) (W_dec[i] · W_U[:, target]): the latents' direct logit attribution. */
  private float[] attribution(
      AttachedSae a, dev.saescope.worker.sae.SparseLatents z, int qEnd, int[] targets, float[][] embedRows) {
    int[] oneOffsets = {0, z.l0(qEnd)};
    float[] dir = a.sae().decode(new dev.saescope.worker.sae.SparseLatents(z.dSae(), oneOffsets, z.indicesAt(qEnd), z.valuesAt(qEnd)));
    float[] bias = decoderBias.get(a.id());
    float[] out = new float[targets.length];
    for (int t = 0; t < targets.length; t++) {
      double s = 0;
      for (int c = 0; c < dir.length; c++) {
        s += (double) (dir[c] - bias[c]) * embedRows[t][c];
      }
      out[t] = targets[t] < 0 ? 0f : (float) s;
    }
    return out;
  }

  private static int rank(float[] logProbs, int id) {
    float v = logProbs[id];
    int r = 0;
    for (int i = 0; i < logProbs.length; i++) {
      if (logProbs[i] > v || (logProbs[i] == v && i < id)) {
        r++;
      }
    }
    return r;
  }

  private static int argmax(float[] v) {
    int best = 0;
    for (int i = 1; i < v.length; i++) {
      if (v[i] > v[best]) {
        best = i;
      }
    }
    return best;
  }

  /** KL(p || q) in bits from log-probabilities (natural log). */
  static float klBits(float[] logP, float[] logQ) {
    double kl = 0;
    for (int i = 0; i < logP.length; i++) {
      double p = Math.exp(logP[i]);
      if (p > 0) {
        kl += p * (logP[i] - logQ[i]);
      }
    }
    return (float) (Math.max(0, kl) / Math.log(2));
  }

  private static List<Integer> boxed(int[] a) {
    List<Integer> out = new ArrayList<>(a.length);
    for (int v : a) {
      out.add(v);
    }
    return out;
  }

  private static List<Float> boxed(float[] a) {
    List<Float> out = new ArrayList<>(a.length);
    for (float v : a) {
      out.add(v);
    }
    return out;
  }

  /** Time spent in the full-vocabulary lens since start, to report its share of worker time. */
  public synchronized long lensNanos() {
    return lensNanos;
  }

  /** The attached SAEs. */
  public List<AttachedSae> saes() {
    return saes;
  }

  /** The model's id as results carry it. */
  public String modelId() {
    return modelId;
  }

  @Override
  public String describe() {
    List<String> ids = saes.stream().map(a -> a.id() + "@" + a.hook()).toList();
    return "model " + modelId + ", layers " + layers + ", SAEs " + ids;
  }
}
