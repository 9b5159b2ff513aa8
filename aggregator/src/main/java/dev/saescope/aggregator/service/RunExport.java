package dev.saescope.aggregator.service;

import dev.saescope.common.kafka.Consumers;
import dev.saescope.common.kafka.KafkaSettings;
import dev.saescope.schemas.ArchivedMessage;
import dev.saescope.schemas.LayerResult;
import dev.saescope.schemas.TopicKind;
import dev.saescope.schemas.serde.Codecs;
import dev.saescope.schemas.serde.DecodeException;
import dev.saescope.schemas.serde.RunArchive;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;

/**
 * {@code ./saescope export}: a run's results, every latent-info message and the run's announcement,
 * read committed from the beginning of their topics up to their current ends, into one {@link
 * RunArchive} file.
 */
public final class RunExport {
  /** What was written. */
  public record Counts(long results, long latentInfo, long announcements, long otherRuns) {}

  private RunExport() {}

  public static Counts export(KafkaSettings kafka, String runId, Path out) throws IOException {
    long[] c = new long[4];
    RunArchive.write(
        out,
        sink -> {
          read(
              kafka,
              TopicKind.RESULTS,
              r -> {
                if (runOf(r.value()).equals(runId)) {
                  sink.accept(new ArchivedMessage(TopicKind.RESULTS, r.key(), r.value()));
                  c[0]++;
                } else {
                  c[3]++;
                }
              });
          read(
              kafka,
              TopicKind.LATENT_INFO,
              r -> {
                sink.accept(new ArchivedMessage(TopicKind.LATENT_INFO, r.key(), r.value()));
                c[1]++;
              });
          read(
              kafka,
              TopicKind.RUNS,
              r -> {
                if (runId.equals(r.key())) {
                  sink.accept(new ArchivedMessage(TopicKind.RUNS, r.key(), r.value()));
                  c[2]++;
                }
              });
        });
    return new Counts(c[0], c[1], c[2], c[3]);
  }

  /** The run id of a result message, or "" when it does not decode (it is kept out). */
  private static String runOf(byte[] value) {
    try {
      LayerResult r = Codecs.layerResult().decode(value, "results", -1, -1);
      return r.runId();
    } catch (DecodeException | IllegalArgumentException e) {
      return "";
    }
  }

  private static void read(
      KafkaSettings kafka, TopicKind kind, Consumer<ConsumerRecord<String, byte[]>> each) {
    String topic = kafka.topics().name(kind);
    try (KafkaConsumer<byte[], byte[]> consumer = Consumers.raw(kafka)) {
      List<TopicPartition> parts =
          Consumers.assignFromBeginning(consumer, topic, kafka.brokerTimeout());
      Map<TopicPartition, Long> end = consumer.endOffsets(parts, kafka.brokerTimeout());
      while (parts.stream()
          .anyMatch(p -> consumer.position(p, kafka.brokerTimeout()) < end.get(p))) {
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(500))) {
          if (r.value() == null) {
            continue; // a compaction tombstone carries no message
          }
          String key =
              r.key() == null ? null : new String(r.key(), java.nio.charset.StandardCharsets.UTF_8);
          each.accept(new ConsumerRecord<>(r.topic(), r.partition(), r.offset(), key, r.value()));
        }
      }
    }
  }
}
