package dev.saescope.worker.compute;

import dev.saescope.avro.DeadLetterReason;
import dev.saescope.avro.LensSummary;
import dev.saescope.avro.SparseLatents;
import dev.saescope.avro.TaskResult;
import dev.saescope.avro.TokenScore;
import dev.saescope.runtime.model.CaptureSpec;
import dev.saescope.runtime.model.ForwardResult;
import dev.saescope.runtime.model.GemmaModel;
import dev.saescope.runtime.model.HookPoint;
import dev.saescope.runtime.model.LensStats;
import dev.saescope.runtime.model.Positions;
import dev.saescope.runtime.model.Rows;
import dev.saescope.runtime.model.Site;
import dev.saescope.runtime.sae.Sae;
import dev.saescope.runtime.tokenizer.GemmaTokenizer;
import dev.saescope.runtime.tokenizer.Tokens;
import dev.saescope.schemas.Task;
import dev.saescope.worker.service.TaskProcessor;
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
 * bits, log-probability and rank of the answer's first token and of the gold object's first token,
 * reduced on the engine) and the SAE's direct logit attribution to those tokens.
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

  /** Rows per full-vocabulary lens call: [128, 262144] fp32 logits are 134 MB per temporary. */
  private static final int LENS_ROWS = 128;

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
   * @param layers layers whose {@code resid_post} is reported (dense rows and lens); SAE layers
   *     need not be among them
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
        throw new IllegalArgumentException(
            "--layers: layer " + l + " is outside 0.." + (nLayers - 1));
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
      decoderBias.put(
          a.id(),
          a.sae()
              .decode(
                  new dev.saescope.runtime.sae.SparseLatents(
                      a.sae().dSae(), new int[] {0, 0}, new int[0], new float[0])));
    }
  }

  @Override
  public Checked check(Task task) {
    if (task.text().isBlank()) {
      return new Rejected(
          DeadLetterReason.EMPTY_TEXT, "task " + task.taskId() + " has an empty text");
    }
    for (String id : task.saeIds()) {
      if (!saeIds.contains(id)) {
        return new Rejected(
            DeadLetterReason.UNKNOWN_SAE,
            "task " + task.taskId() + " asks for SAE '" + id + "'; this worker has " + saeIds);
      }
    }
    if (task.answerStart() > task.text().length()) {
      return new Rejected(
          DeadLetterReason.INVALID,
          "task "
              + task.taskId()
              + ": answer_start "
              + task.answerStart()
              + " is beyond the text's "
              + task.text().length()
              + " characters");
    }
    Tokens tokens;
    try {
      tokens = tokenizer.encode(task.text());
    } catch (IllegalArgumentException e) {
      return new Rejected(
          DeadLetterReason.INVALID, "task " + task.taskId() + ": " + e.getMessage());
    }
    if (tokens.size() > maxTokens) {
      return new Rejected(
          DeadLetterReason.TOO_LONG,
          "task " + task.taskId() + " has " + tokens.size() + " tokens; the limit is " + maxTokens);
    }
    int n = tokens.size();
    int ansStart =
        task.answerStart() >= task.text().length()
            ? n
            : Math.max(1, tokens.tokenAtChar(task.answerStart()));
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
    ForwardResult forward =
        model.forward(sequences, new CaptureSpec(hooks, Positions.all(), Positions.none()));
    float computeMs = (System.nanoTime() - t0) / 1e6f / batch.size();
    List<LensStats> lens = lensOf(batch, forward);
    List<TaskResult> out = new ArrayList<>();
    for (int i = 0; i < batch.size(); i++) {
      out.addAll(resultsOf(batch.get(i), i, forward, lens.get(i), computeMs));
    }
    return out;
  }

  /** Layers whose lens is computed: the reported ones plus the final one, the reference. */
  private List<Integer> lensLayers() {
    List<Integer> lensLayers = new ArrayList<>(layers);
    int finalLayer = model.config().nLayers() - 1;
    if (!layers.contains(finalLayer)) {
      lensLayers.add(finalLayer);
    }
    return lensLayers;
  }

  /**
   * The full lens at each task's {@code q_end}, at every lens layer. Tasks share unembedding calls
   * (up to {@value #LENS_ROWS} rows each): the call's cost is mostly reading W_U (671 MB on Gemma 3
   * 270M), so one call per task would be several times slower.
   */
  private List<LensStats> lensOf(List<Accepted> batch, ForwardResult forward) {
    long start = System.nanoTime();
    List<Integer> lensLayers = lensLayers();
    int perTask = lensLayers.size();
    int tasksPerCall = Math.max(1, LENS_ROWS / perTask);
    int finalIndex = lensLayers.indexOf(model.config().nLayers() - 1);
    int d = model.config().dModel();
    List<LensStats> out = new ArrayList<>(batch.size());
    for (int from = 0; from < batch.size(); from += tasksPerCall) {
      int to = Math.min(batch.size(), from + tasksPerCall);
      int rows = (to - from) * perTask;
      float[] values = new float[rows * d];
      int[] positions = new int[rows];
      int[][] targets = new int[rows][];
      int[] refs = new int[rows];
      for (int t = from; t < to; t++) {
        Prepared p = (Prepared) batch.get(t).prepared();
        int[] taskTargets = validTargets(targetsAtQEnd(p, p.tokens().ids()));
        for (int k = 0; k < perTask; k++) {
          int row = (t - from) * perTask + k;
          Rows r = forward.capture(lensLayers.get(k), Site.RESID_POST, t);
          System.arraycopy(r.values(), p.qEnd() * d, values, row * d, d);
          positions[row] = p.qEnd();
          targets[row] = taskTargets;
          refs[row] = (t - from) * perTask + finalIndex;
        }
      }
      LensStats all = model.lensStats(new Rows(positions, d, values), targets, refs);
      for (int t = from; t < to; t++) {
        int first = (t - from) * perTask;
        out.add(
            new LensStats(
                java.util.Arrays.copyOfRange(all.targetLogprobs(), first, first + perTask),
                java.util.Arrays.copyOfRange(all.targetRanks(), first, first + perTask),
                java.util.Arrays.copyOfRange(all.top1(), first, first + perTask),
                java.util.Arrays.copyOfRange(all.klBits(), first, first + perTask)));
      }
    }
    synchronized (this) {
      lensNanos += System.nanoTime() - start;
    }
    return out;
  }

  private List<TaskResult> resultsOf(
      Accepted accepted, int seq, ForwardResult forward, LensStats lens, float computeMs) {
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

    List<Integer> lensLayers = lensLayers();
    int d = model.config().dModel();
    float[][] embedRows = model.unembeddingColumns(validTargets(targets));

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
      List<TokenScore> scores = new ArrayList<>();
      for (int t = 0; t < targets.length; t++) {
        if (targets[t] >= 0) {
          scores.add(
              new TokenScore(
                  p.qEnd(),
                  targets[t],
                  roles[t],
                  lens.targetLogprobs()[k][t],
                  (int) lens.targetRanks()[k][t],
                  attribution[t]));
        }
      }
      b.setScores(scores);
      b.setLens(
          List.of(new LensSummary(p.qEnd(), (int) lens.top1()[k], Math.max(0f, lens.klBits()[k]))));
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
      Task task,
      Prepared p,
      List<Integer> ids,
      List<String> tokens,
      int layer,
      Site site,
      float computeMs) {
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
    ByteBuffer buf =
        ByteBuffer.allocate(positions.size() * rows.width() * Float.BYTES)
            .order(ByteOrder.LITTLE_ENDIAN);
    for (int pos : positions) {
      for (int c = 0; c < rows.width(); c++) {
        buf.putFloat(rows.get(pos, c));
      }
    }
    return buf.flip();
  }

  private record EncodedLatents(
      dev.saescope.runtime.sae.SparseLatents latents, List<SparseLatents> avro) {}

  private static EncodedLatents encode(AttachedSae a, Rows acts) {
    dev.saescope.runtime.sae.SparseLatents z = a.sae().encode(acts.values(), acts.count());
    float[] err = a.sae().squaredError(acts.values(), a.sae().decode(z));
    List<SparseLatents> avro = new ArrayList<>(z.tokens());
    for (int t = 0; t < z.tokens(); t++) {
      avro.add(new SparseLatents(t, boxed(z.indicesAt(t)), boxed(z.valuesAt(t)), err[t]));
    }
    return new EncodedLatents(z, avro);
  }

  /** sum_i z_i(q_end) (W_dec[i] · W_U[:, target]): the latents' direct logit attribution. */
  private float[] attribution(
      AttachedSae a,
      dev.saescope.runtime.sae.SparseLatents z,
      int qEnd,
      int[] targets,
      float[][] embedRows) {
    int[] oneOffsets = {0, z.l0(qEnd)};
    float[] dir =
        a.sae()
            .decode(
                new dev.saescope.runtime.sae.SparseLatents(
                    z.dSae(), oneOffsets, z.indicesAt(qEnd), z.valuesAt(qEnd)));
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
