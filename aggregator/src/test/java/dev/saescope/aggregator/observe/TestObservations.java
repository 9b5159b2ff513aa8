package dev.saescope.aggregator.observe;

import dev.saescope.aggregator.stats.ItemKey;
import dev.saescope.schemas.PromptTokens;
import dev.saescope.schemas.ScoreRole;
import dev.saescope.schemas.TargetScore;
import dev.saescope.schemas.TaskLabels;
import dev.saescope.schemas.Variant;
import java.util.ArrayList;
import java.util.List;

/** Hand-made observations for the analysis tests: set only what a test is about. */
public final class TestObservations {
  private TestObservations() {}

  public static Task task(String itemId, String taskId, Variant variant) {
    return new Task(itemId, taskId, variant);
  }

  public static Layer layer(int layer) {
    return new Layer(layer);
  }

  /** A task under construction; default tokens: BOS 10 11 (q_end 2), answer 100 5. */
  public static final class Task {
    private final String itemId;
    private final String taskId;
    private final Variant variant;
    private String relation = "P36";
    private String family = "claims_ignorance";
    private boolean mentions;
    private PromptTokens tokens;
    private int gold0 = 100;
    private int goldPosition = -1;
    private int finalLayer = 1;
    private int finalTop1 = -1;
    private final List<LayerObservation> layers = new ArrayList<>();

    Task(String itemId, String taskId, Variant variant) {
      this.itemId = itemId;
      this.taskId = taskId;
      this.variant = variant;
      this.tokens =
          variant == Variant.CLOZE
              ? TestResults.tokens(new int[] {2, 10, 11}, 2, 3)
              : TestResults.tokens(new int[] {2, 10, 11, 100, 5}, 2, 3);
    }

    public Task relation(String r) {
      relation = r;
      return this;
    }

    public Task family(String f) {
      family = f;
      return this;
    }

    public Task mentions(boolean m) {
      mentions = m;
      return this;
    }

    public Task tokens(int[] ids, int qEnd, int ansStart) {
      tokens = TestResults.tokens(ids, qEnd, ansStart);
      return this;
    }

    public Task gold(int token, int position) {
      gold0 = token;
      goldPosition = position;
      return this;
    }

    public Task finalTop1(int layer, int top1) {
      finalLayer = layer;
      finalTop1 = top1;
      return this;
    }

    public Task with(Layer... ls) {
      for (Layer l : ls) {
        layers.add(l.build());
      }
      return this;
    }

    public TaskObservation build() {
      TaskLabels labels =
          new TaskLabels(
              relation,
              variant,
              variant == Variant.EVASIVE ? family : null,
              mentions,
              "t1",
              List.of("Paris"),
              false);
      return new TaskObservation(
          TestResults.RUN,
          taskId,
          itemId,
          ItemKey.of(itemId),
          labels,
          "tiny-model",
          "fp32",
          tokens,
          gold0,
          goldPosition,
          finalLayer,
          finalTop1,
          layers);
    }
  }

  /** A layer observation under construction; everything absent by default. */
  public static final class Layer {
    private final int layer;
    private String site = LayerObservation.RESID_POST;
    private String saeId;
    private Drift drift = Drift.NONE;
    private double distanceH = Double.NaN;
    private double distanceZ = Double.NaN;
    private int top1 = -1;
    private double kl = Double.NaN;
    private final List<TargetScore> scores = new ArrayList<>();
    private Peak qEndPeak = Peak.NONE;
    private Peak goldPeak = Peak.NONE;
    private KeptVectors vectors = KeptVectors.NONE;

    Layer(int layer) {
      this.layer = layer;
    }

    public Layer site(String s) {
      site = s;
      return this;
    }

    public Layer sae(String id) {
      saeId = id;
      return this;
    }

    public Layer drift(double nextQ, double finalQ, double nextA, double finalA) {
      drift = new Drift(nextQ, finalQ, nextA, finalA);
      return this;
    }

    public Layer d(double h, double z) {
      distanceH = h;
      distanceZ = z;
      return this;
    }

    public Layer lens(int top1, double klBits) {
      this.top1 = top1;
      this.kl = klBits;
      return this;
    }

    public Layer score(
        int position, int token, ScoreRole role, double logprob, int rank, double attribution) {
      scores.add(TestResults.score(position, token, role, logprob, rank, attribution));
      return this;
    }

    /** A score with the attribution's rank over the whole vocabulary (results v3). */
    public Layer score(int position, int token, ScoreRole role, int rank, int attributionRank) {
      scores.add(new TargetScore(position, token, role, -1f, rank, 0.5f, attributionRank));
      return this;
    }

    public Layer peaks(Peak qEnd, Peak gold) {
      qEndPeak = qEnd;
      goldPeak = gold;
      return this;
    }

    public Layer vectors(KeptVectors v) {
      vectors = v;
      return this;
    }

    LayerObservation build() {
      return new LayerObservation(
          layer,
          site,
          saeId,
          drift,
          distanceH,
          distanceZ,
          top1,
          kl,
          scores,
          qEndPeak,
          goldPeak,
          saeId == null ? new float[0] : new float[] {0, 0, 0, 0, 0},
          List.of(),
          vectors);
    }
  }

  /** Dense vectors only: q_end, pooled answer and ans[0] rows. */
  public static KeptVectors dense(double[] qEnd, double[] answer, double[] ans0) {
    return new KeptVectors(
        qEnd == null ? HalfRow.EMPTY : HalfRow.of(qEnd),
        answer == null ? HalfRow.EMPTY : HalfRow.of(answer),
        ans0 == null ? HalfRow.EMPTY : HalfRow.of(ans0),
        SparseRow.EMPTY,
        SparseRow.EMPTY,
        new int[0]);
  }

  /** Both: dense rows and latent rows. */
  public static KeptVectors both(
      double[] qEnd,
      double[] answer,
      double[] ans0,
      SparseRow qEndZ,
      SparseRow answerZ,
      int[] ans0Active) {
    KeptVectors d = dense(qEnd, answer, ans0);
    return new KeptVectors(d.qEndH(), d.answerH(), d.ans0H(), qEndZ, answerZ, ans0Active);
  }
}
