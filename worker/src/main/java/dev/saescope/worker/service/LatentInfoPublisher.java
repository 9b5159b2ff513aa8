package dev.saescope.worker.service;

import dev.saescope.common.kafka.Consumers;
import dev.saescope.common.kafka.KafkaSettings;
import dev.saescope.schemas.LatentInfo;
import dev.saescope.schemas.serde.Codecs;
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
 * <p>Keys are {@code <sae id>/<first latent>}, one message per chunk of latents (the worker's
 * {@code LatentInfoChunks} makes them, about 100 KiB each), so the aggregator needs neither model
 * nor SAE.
 */
public final class LatentInfoPublisher {
  private static final Logger LOG = LoggerFactory.getLogger(LatentInfoPublisher.class);

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

  /**
   * Sends every chunk of one SAE's latent metadata and waits for the broker's acknowledgement.
   *
   * @param chunks the chunks of one SAE, first latent 0 first (see {@code LatentInfoChunks})
   * @return how many messages were sent
   */
  public static int publish(KafkaSettings kafka, List<LatentInfo> chunks)
      throws InterruptedException, ExecutionException, TimeoutException {
    if (chunks.isEmpty() || chunks.get(0).firstLatent() != 0) {
      throw new IllegalArgumentException("latent info must start with the chunk at latent 0");
    }
    Properties p = kafka.client();
    // The metadata is written once and read forever: wait for every replica.
    p.setProperty(ProducerConfig.ACKS_CONFIG, "all");
    p.setProperty(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
    // Chunks are up to ~100 KiB each; allow a few per request.
    p.putIfAbsent(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, String.valueOf(1024 * 1024));
    int latents = 0;
    try (KafkaProducer<String, byte[]> producer =
        new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer())) {
      List<Future<RecordMetadata>> acks = new ArrayList<>();
      // The first chunk goes last, after the others are acknowledged: its key is what
      // published() looks for, so its presence must mean that every chunk is there.
      for (LatentInfo chunk : chunks.subList(1, chunks.size())) {
        acks.add(send(producer, kafka, chunk));
        latents += chunk.latents().size();
      }
      for (Future<RecordMetadata> a : acks) {
        a.get(60, TimeUnit.SECONDS);
      }
      send(producer, kafka, chunks.get(0)).get(60, TimeUnit.SECONDS);
      latents += chunks.get(0).latents().size();
    }
    LOG.info(
        "published logit effects of {} latents of {} in {} messages",
        latents,
        chunks.get(0).saeId(),
        chunks.size());
    return chunks.size();
  }

  private static Future<RecordMetadata> send(
      KafkaProducer<String, byte[]> producer, KafkaSettings kafka, LatentInfo chunk) {
    return producer.send(
        new ProducerRecord<>(
            kafka.topics().latentInfo(), chunk.key(), Codecs.latentInfo().encode(chunk)));
  }
}
