package dev.saescope.common.kafka;

import dev.saescope.schemas.RunAnnouncement;
import dev.saescope.schemas.serde.Codecs;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Publishes a run's announcement on the compacted runs topic, keyed by run id, and waits for the
 * broker's acknowledgement: the aggregator's progress ({@code tasks done / tasks}) reads it.
 */
public final class RunAnnouncer {
  private RunAnnouncer() {}

  public static void announce(KafkaSettings settings, RunAnnouncement a) throws PublishException {
    Properties p = settings.client();
    // One small record that must not be lost or doubled: wait for every in-sync replica.
    p.setProperty(ProducerConfig.ACKS_CONFIG, "all");
    p.setProperty(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
    try (var producer = new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer())) {
      producer
          .send(
              new ProducerRecord<>(
                  settings.topics().runs(), a.runId(), Codecs.runAnnouncement().encode(a)))
          .get(settings.brokerTimeout().toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException | TimeoutException e) {
      throw new PublishException(
          "announcing run " + a.runId() + " on " + settings.topics().runs() + ": " + e.getMessage(),
          e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new PublishException("interrupted while announcing run " + a.runId(), e);
    }
  }
}
