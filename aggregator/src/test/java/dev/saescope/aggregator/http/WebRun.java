package dev.saescope.aggregator.http;

import dev.saescope.common.kafka.KafkaSettings;
import dev.saescope.common.kafka.TopicAdmin;
import dev.saescope.common.kafka.TopicSpec;
import dev.saescope.schemas.DenseRows;
import dev.saescope.schemas.LatentEffects;
import dev.saescope.schemas.LatentInfo;
import dev.saescope.schemas.LatentRow;
import dev.saescope.schemas.LatentRows;
import dev.saescope.schemas.LayerResult;
import dev.saescope.schemas.LensSummary;
import dev.saescope.schemas.PromptTokens;
import dev.saescope.schemas.RunAnnouncement;
import dev.saescope.schemas.ScoreRole;
import dev.saescope.schemas.ScoredTokens;
import dev.saescope.schemas.TargetScore;
import dev.saescope.schemas.TaskLabels;
import dev.saescope.schemas.Variant;
import dev.saescope.schemas.serde.Codecs;
import dev.saescope.schemas.serde.ResultMessages;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.SplittableRandom;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * A small run for the API and dashboard tests, published to a real broker: per item a direct and an
 * evasive task at layers 0-2 ({@code resid_post}), an SAE at layer 1 with latents at every
 * position, and latent-info for that SAE. Token strings include HTML ({@link #HOSTILE}, {@code
 * <b>}), as Gemma's vocabulary does.
 */
final class WebRun {
  static final String RUN = "web-run";
  static final String SAE = "sae-l1";
  static final int ITEMS = 4;
  static final int D_SAE = 64;
  static final int D_MODEL = 8;
  static final String HOSTILE = "<script>alert(1)</script>";
  static final Variant[] VARIANTS = {Variant.DIRECT, Variant.EVASIVE};

  private WebRun() {}

  static long tasks() {
    return (long) ITEMS * VARIANTS.length;
  }

  static String itemId(int i) {
    return "P36:country" + i;
  }

  static void publish(KafkaSettings kafka) throws Exception {
    TopicAdmin.ensureTopics(kafka, TopicSpec.standard(kafka.topics(), 4, TopicSpec.BROKER_DEFAULT));
    Properties p = kafka.client();
    p.setProperty(ProducerConfig.ACKS_CONFIG, "all");
    try (var producer = new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer())) {
      producer.send(
          new ProducerRecord<>(
              kafka.topics().runs(),
              RUN,
              Codecs.runAnnouncement()
                  .encode(new RunAnnouncement(RUN, "synthetic", 3, ITEMS, tasks(), false, 1L))));
      LatentInfo info = latentInfo();
      producer.send(
          new ProducerRecord<>(
              kafka.topics().latentInfo(), info.key(), Codecs.latentInfo().encode(info)));
      for (int i = 0; i < ITEMS; i++) {
        for (Variant v : VARIANTS) {
          for (int layer = 0; layer < 3; layer++) {
            LayerResult r = result(i, v, layer);
            for (byte[] part : ResultMessages.encode(r, 200_000)) {
              producer.send(new ProducerRecord<>(kafka.topics().results(), r.itemId(), part));
            }
          }
        }
      }
      producer.flush();
    }
  }

  /** Latent 5 promotes the hostile token, latent 8 promotes " Paris". */
  static LatentInfo latentInfo() {
    List<LatentEffects> effects = new ArrayList<>();
    for (int l = 0; l < D_SAE; l++) {
      String top = l == 5 ? HOSTILE : l == 8 ? " Paris" : "tok" + l;
      effects.add(
          new LatentEffects(
              l,
              new ScoredTokens(new int[] {1000 + l, 7}, List.of(top, "<b>"), new float[] {2f, 1f}),
              new ScoredTokens(new int[] {9}, List.of("down" + l), new float[] {-1f})));
    }
    return new LatentInfo(SAE, "synthetic-model", 1, "resid_post", D_SAE, 0, effects);
  }

  static LayerResult result(int item, Variant v, int layer) {
    SplittableRandom rnd = new SplittableRandom(item * 31L + v.ordinal() * 7L + layer);
    int n = 10;
    int qEnd = 7;
    int[] ids = new int[n];
    List<String> texts = new ArrayList<>();
    for (int p = 0; p < n; p++) {
      ids[p] = p == 0 ? 2 : 100 + (p < 8 ? p : 1000 + item * 10 + v.ordinal() * 3 + p);
      texts.add(p == 0 ? "<bos>" : p == 3 ? HOSTILE : p == 4 ? "<b>" : "t" + ids[p]);
    }
    int[] densePos = {qEnd, 8, 9};
    float[] values = new float[densePos.length * D_MODEL];
    for (int i = 0; i < values.length; i++) {
      values[i] = (float) rnd.nextGaussian();
    }
    List<LatentRow> latents = new ArrayList<>();
    if (layer == 1) {
      for (int p = 0; p < n; p++) {
        int[] idx = {5, 8 + (p % 4), 40 + (p % 7)};
        float[] val = {(float) (2 + p * 0.1 + item), (float) (0.5 + rnd.nextDouble()), 0.3f};
        latents.add(new LatentRow(p, idx, val, (float) rnd.nextDouble()));
      }
    }
    TaskLabels labels =
        new TaskLabels(
            "P36",
            v,
            v == Variant.EVASIVE ? "declines" : null,
            false,
            "q:P36/0",
            List.of("City" + item),
            false);
    return new LayerResult(
        RUN,
        RUN + "-" + item + "-" + v.name().toLowerCase(),
        itemId(item),
        labels,
        layer,
        "resid_post",
        0,
        1,
        "synthetic-model",
        layer == 1 ? SAE : null,
        "w1",
        new PromptTokens(ids, texts, qEnd, 8, n),
        new DenseRows(densePos, D_MODEL, values),
        new LatentRows(layer == 1 ? D_SAE : 0, latents),
        List.of(
            new TargetScore(qEnd, ids[8], ScoreRole.ANS0, -1f, rnd.nextInt(50), 0.1f),
            new TargetScore(qEnd, 1000 + item, ScoreRole.GOLD0, -2f, rnd.nextInt(50), 0.2f)),
        List.of(new LensSummary(qEnd, layer == 2 ? 7 : rnd.nextInt(20), (2 - layer) * 0.5f)),
        1f,
        1_700_000_000_000L);
  }
}
