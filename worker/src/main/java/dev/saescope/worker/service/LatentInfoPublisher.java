package dev.saescope.worker.service;

import dev.saescope.avro.LatentInfo;
import dev.saescope.avro.LogitEffects;
import dev.saescope.common.kafka.Consumers;
import dev.saescope.common.kafka.KafkaSettings;
import dev.saescope.runtime.sae.LatentLogits;
import dev.saescope.runtime.tokenizer.GemmaTokenizer;
import dev.saescope.schemas.serde.Codecs;
import dev.saescope.worker.compute.ExperimentProcessor;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes an SAE's latent metadata (the logit effects of every latent) to the compacted
 * latent-info topic, once per SAE version: a worker first reads the topic and skips SAEs whose
 * first chunk is already there, so a pool of workers starting together publishes each SAE once or,
 * at worst, a few identical times that compaction folds into one.
 *
 * <p>Keys are {@code <sae id>/<first latent>}, one message per chunk of {@value #CHUNK} latents
 * (about 100 KiB with 10 + 10 tokens per latent), so the aggregator needs neither model nor SAE.
 */
public final class LatentInfoPublisher {
  private static final Logger LOG = LoggerFactory.getLogger(LatentInfoPublisher.class);
  static final int CHUNK = 256;

  private LatentInfoPublisher() {}

  /** The SAE ids whose first chunk is already on the topic. */
  public static Set<String> published(KafkaSettings kafka, Duration timeout) {
    Set<String> ids = new HashSet<>();
    try (KafkaConsumer<byte[], byte[]> c = Consumers.raw(kafka)) {
      String topic = kafka.topics().latentInfo();
      List<TopicPartition> parts = Consumers.assignFromBeginning(c, topic, timeout);
      Map<TopicPartition, Long> end = c.endOffsets(parts, timeout);
      long deadline = System.nanoTime() + timeout.toNanos();
      while (System.nanoTime() < deadline
          && parts.stream().anyMatch(tp -> c.position(tp) < end.get(tp))) {
        for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) {
          if (r.key() != null) {
            String key = new String(r.key(), StandardCharsets.UTF_8);
            if (key.endsWith("/0")) {
              ids.add(key.substring(0, key.length() - 2));
            }
          }
        }
      }
    }
    return ids;
  }

  /** Sends every chunk of one SAE and waits for the broker's acknowledgement. */
  public static int publish(
      KafkaSettings kafka,
      ExperimentProcessor.AttachedSae sae,
      String modelId,
      List<LatentLogits> effects,
      GemmaTokenizer tokenizer)
      throws InterruptedException, ExecutionException, TimeoutException {
    Properties p = kafka.client();
    // The metadata is written once and read forever: wait for every replica.
    p.setProperty(ProducerConfig.ACKS_CONFIG, "all");
    p.setProperty(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
    // Chunks are up to ~100 KiB each; allow a few per request.
    p.putIfAbsent(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, String.valueOf(1024 * 1024));
    int sent = 0;
    try (KafkaProducer<String, byte[]> producer =
        new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer())) {
      List<Future<RecordMetadata>> acks = new ArrayList<>();
      // The first chunk goes last, after the others are acknowledged: its key is what
      // published() looks for, so its presence must mean that every chunk is there.
      for (int from = CHUNK; from < effects.size(); from += CHUNK) {
        acks.add(send(producer, kafka, sae, modelId, effects, from, tokenizer));
      }
      for (Future<RecordMetadata> a : acks) {
        a.get(60, TimeUnit.SECONDS);
      }
      send(producer, kafka, sae, modelId, effects, 0, tokenizer).get(60, TimeUnit.SECONDS);
      sent = acks.size() + 1;
    }
    LOG.info(
        "published logit effects of {} latents of {} in {} messages",
        effects.size(),
        sae.id(),
        sent);
    return sent;
  }

  private static Future<RecordMetadata> send(
      KafkaProducer<String, byte[]> producer,
      KafkaSettings kafka,
      ExperimentProcessor.AttachedSae sae,
      String modelId,
      List<LatentLogits> effects,
      int from,
      GemmaTokenizer tokenizer) {
    int to = Math.min(effects.size(), from + CHUNK);
    LatentInfo info = chunk(sae, modelId, effects.subList(from, to), from, tokenizer);
    return producer.send(
        new ProducerRecord<>(
            kafka.topics().latentInfo(), sae.id() + "/" + from, Codecs.latentInfo().encode(info)));
  }

  private static LatentInfo chunk(
      ExperimentProcessor.AttachedSae sae,
      String modelId,
      List<LatentLogits> part,
      int first,
      GemmaTokenizer tokenizer) {
    List<LogitEffects> latents = new ArrayList<>(part.size());
    for (LatentLogits l : part) {
      latents.add(
          LogitEffects.newBuilder()
              .setLatent(l.latent())
              .setTopTokenIds(ints(l.topTokens()))
              .setTopTokens(texts(l.topTokens(), tokenizer))
              .setTopValues(floats(l.topValues()))
              .setBottomTokenIds(ints(l.bottomTokens()))
              .setBottomTokens(texts(l.bottomTokens(), tokenizer))
              .setBottomValues(floats(l.bottomValues()))
              .build());
    }
    return LatentInfo.newBuilder()
        .setSaeId(sae.id())
        .setModelId(modelId)
        .setLayer(sae.hook().layer())
        .setSite(sae.hook().site().key())
        .setDSae(sae.sae().dSae())
        .setFirstLatent(first)
        .setLatents(latents)
        .build();
  }

  private static List<Integer> ints(int[] a) {
    List<Integer> out = new ArrayList<>(a.length);
    for (int v : a) {
      out.add(v);
    }
    return out;
  }

  private static List<Float> floats(float[] a) {
    List<Float> out = new ArrayList<>(a.length);
    for (float v : a) {
      out.add(v);
    }
    return out;
  }

  private static List<String> texts(int[] ids, GemmaTokenizer tokenizer) {
    List<String> out = new ArrayList<>(ids.length);
    for (int id : ids) {
      out.add(tokenizer.decode(id));
    }
    return out;
  }
}
