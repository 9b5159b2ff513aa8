package dev.saescope.schemas.serde;

import dev.saescope.avro.SparseLatents;
import dev.saescope.avro.TaskResult;
import dev.saescope.avro.TokenScore;
import dev.saescope.schemas.DenseRows;
import dev.saescope.schemas.LatentRow;
import dev.saescope.schemas.LatentRows;
import dev.saescope.schemas.LatentTarget;
import dev.saescope.schemas.LayerResult;
import dev.saescope.schemas.LensSummary;
import dev.saescope.schemas.PromptTokens;
import dev.saescope.schemas.ScoreRole;
import dev.saescope.schemas.TargetScore;
import dev.saescope.schemas.TaskLabels;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * Maps {@link LayerResult} to and from the generated {@link TaskResult}: the only place both meet.
 * Dense rows travel as float32 little-endian bytes, row-major.
 */
public final class ResultCodec {
  private ResultCodec() {}

  /** The Avro form of a result, ready for a serializer. */
  public static TaskResult toAvro(LayerResult r) {
    TaskLabels labels = r.labels();
    PromptTokens tokens = r.tokens();
    // Avro's generated setters keep the lists; hand them fresh mutable ones, never our views.
    List<String> tokenTexts = new ArrayList<>(tokens.texts());
    return TaskResult.newBuilder()
        .setRunId(r.runId())
        .setTaskId(r.taskId())
        .setItemId(r.itemId())
        .setRelation(labels.relation())
        .setVariant(VariantCodec.toAvro(labels.variant()))
        .setFamily(labels.family())
        .setAnswerMentionsSubject(labels.answerMentionsSubject())
        .setTemplateId(labels.templateId())
        .setGoldObjects(new ArrayList<>(labels.goldObjects()))
        .setObjectInSubject(labels.objectInSubject())
        .setLayer(r.layer())
        .setSite(r.site())
        .setPart(r.part())
        .setParts(r.parts())
        .setModelId(r.modelId())
        .setSaeId(r.saeId())
        .setWorkerId(r.workerId())
        .setTokenIds(AvroLists.ints(tokens.ids()))
        .setTokens(tokenTexts)
        .setQEnd(tokens.qEnd())
        .setAnsStart(tokens.ansStart())
        .setAnsEnd(tokens.ansEnd())
        .setDensePositions(AvroLists.ints(r.dense().positions()))
        .setDense(denseBytes(r.dense().values()))
        .setDModel(r.dense().dModel())
        .setLatents(latentsToAvro(r.latents()))
        .setDSae(r.latents().dSae())
        .setScores(scoresToAvro(r.scores()))
        .setLens(lensToAvro(r.lens()))
        .setLatentTargets(targetsToAvro(r.latentTargets()))
        .setResultsPerTask(r.resultsPerTask())
        .setDtype(r.dtype())
        .setComputeMs(r.computeMs())
        .setProducedAtMs(r.producedAtMs())
        .build();
  }

  /**
   * Our record for a decoded Avro result.
   *
   * @throws IllegalArgumentException naming task, layer, site and part when the message breaks a
   *     {@link LayerResult} invariant (dense bytes that do not fill the rows, a position beyond the
   *     tokens, ...)
   */
  public static LayerResult fromAvro(TaskResult a) {
    try {
      return new LayerResult(
          a.getRunId(),
          a.getTaskId(),
          a.getItemId(),
          new TaskLabels(
              a.getRelation(),
              a.getVariant() == null ? null : VariantCodec.fromAvro(a.getVariant()),
              a.getFamily(),
              a.getAnswerMentionsSubject(),
              a.getTemplateId(),
              a.getGoldObjects(),
              a.getObjectInSubject()),
          a.getLayer(),
          a.getSite(),
          a.getPart(),
          a.getParts(),
          a.getModelId(),
          a.getSaeId(),
          a.getWorkerId(),
          new PromptTokens(
              AvroLists.ints(a.getTokenIds()),
              a.getTokens(),
              a.getQEnd(),
              a.getAnsStart(),
              a.getAnsEnd()),
          new DenseRows(
              AvroLists.ints(a.getDensePositions()), a.getDModel(), denseValues(a.getDense())),
          latentsFromAvro(a.getDSae(), a.getLatents()),
          scoresFromAvro(a.getScores()),
          lensFromAvro(a.getLens()),
          a.getComputeMs(),
          a.getProducedAtMs(),
          targetsFromAvro(a.getLatentTargets()),
          a.getResultsPerTask(),
          a.getDtype());
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "result of task "
              + a.getTaskId()
              + " layer "
              + a.getLayer()
              + " "
              + a.getSite()
              + " part "
              + a.getPart()
              + " of "
              + a.getParts()
              + ": "
              + e.getMessage(),
          e);
    }
  }

  private static List<SparseLatents> latentsToAvro(LatentRows latents) {
    List<SparseLatents> out = new ArrayList<>(latents.rows().size());
    for (LatentRow r : latents.rows()) {
      out.add(
          new SparseLatents(
              r.position(),
              AvroLists.ints(r.indices()),
              AvroLists.floatList(r.values()),
              r.reconError()));
    }
    return out;
  }

  private static LatentRows latentsFromAvro(int dSae, List<SparseLatents> avro) {
    List<LatentRow> rows = new ArrayList<>(avro.size());
    for (SparseLatents s : avro) {
      rows.add(
          new LatentRow(
              s.getPosition(),
              AvroLists.ints(s.getIndices()),
              AvroLists.floats(s.getValues()),
              s.getReconError()));
    }
    return new LatentRows(dSae, rows);
  }

  private static List<TokenScore> scoresToAvro(List<TargetScore> scores) {
    List<TokenScore> out = new ArrayList<>(scores.size());
    for (TargetScore s : scores) {
      out.add(
          new TokenScore(
              s.position(),
              s.tokenId(),
              s.role().wireName(),
              s.lensLogprob(),
              s.lensRank(),
              s.attribution(),
              s.attributionRank()));
    }
    return out;
  }

  private static List<TargetScore> scoresFromAvro(List<TokenScore> avro) {
    List<TargetScore> out = new ArrayList<>(avro.size());
    for (TokenScore s : avro) {
      out.add(
          new TargetScore(
              s.getPosition(),
              s.getTokenId(),
              ScoreRole.fromWireName(s.getRole()),
              s.getLensLogprob(),
              s.getLensRank(),
              s.getAttribution(),
              s.getAttributionRank()));
    }
    return out;
  }

  private static List<dev.saescope.avro.LatentTarget> targetsToAvro(List<LatentTarget> targets) {
    List<dev.saescope.avro.LatentTarget> out = new ArrayList<>(targets.size());
    for (LatentTarget t : targets) {
      out.add(
          new dev.saescope.avro.LatentTarget(
              t.position(),
              t.tokenId(),
              t.topLatent(),
              t.topRank(),
              t.attrLatent(),
              t.attribution(),
              t.attrRank()));
    }
    return out;
  }

  private static List<LatentTarget> targetsFromAvro(List<dev.saescope.avro.LatentTarget> avro) {
    List<LatentTarget> out = new ArrayList<>(avro.size());
    for (dev.saescope.avro.LatentTarget t : avro) {
      out.add(
          new LatentTarget(
              t.getPosition(),
              t.getTokenId(),
              t.getTopLatent(),
              t.getTopRank(),
              t.getAttrLatent(),
              t.getAttribution(),
              t.getAttrRank()));
    }
    return out;
  }

  private static List<dev.saescope.avro.LensSummary> lensToAvro(List<LensSummary> lens) {
    List<dev.saescope.avro.LensSummary> out = new ArrayList<>(lens.size());
    for (LensSummary l : lens) {
      out.add(new dev.saescope.avro.LensSummary(l.position(), l.top1(), l.klBits()));
    }
    return out;
  }

  private static List<LensSummary> lensFromAvro(List<dev.saescope.avro.LensSummary> avro) {
    List<LensSummary> out = new ArrayList<>(avro.size());
    for (dev.saescope.avro.LensSummary l : avro) {
      out.add(new LensSummary(l.getPosition(), l.getTop1(), l.getKlBits()));
    }
    return out;
  }

  /** float32 little-endian bytes, as {@code TaskResult.dense} documents. */
  private static ByteBuffer denseBytes(float[] values) {
    ByteBuffer buf =
        ByteBuffer.allocate(values.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
    buf.asFloatBuffer().put(values);
    return buf;
  }

  private static float[] denseValues(ByteBuffer bytes) {
    ByteBuffer b = bytes.duplicate().order(ByteOrder.LITTLE_ENDIAN);
    if (b.remaining() % Float.BYTES != 0) {
      throw new IllegalArgumentException(
          "dense holds " + b.remaining() + " bytes, not a whole number of float32 values");
    }
    FloatBuffer f = b.asFloatBuffer();
    float[] out = new float[f.remaining()];
    f.get(out);
    return out;
  }
}
