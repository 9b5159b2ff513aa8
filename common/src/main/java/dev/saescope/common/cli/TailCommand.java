package dev.saescope.common.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.saescope.common.kafka.BrokerUnavailableException;
import dev.saescope.common.kafka.Consumers;
import dev.saescope.common.kafka.KafkaConfigException;
import dev.saescope.common.kafka.KafkaOptions;
import dev.saescope.common.kafka.KafkaSettings;
import dev.saescope.common.kafka.TopicAdmin;
import dev.saescope.schemas.TopicKind;
import dev.saescope.schemas.serde.AvroFormat;
import dev.saescope.schemas.serde.Codecs;
import dev.saescope.schemas.serde.DecodeException;
import dev.saescope.schemas.serde.DecodeFailure;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Prints the messages of one topic as JSON lines, decoding any saescope message type. */
@Command(
    name = "tail",
    mixinStandardHelpOptions = true,
    description = {
      "Print the messages of a topic as JSON lines (one object per message, on stdout).",
      "TOPIC may be a full name or one of tasks, results, latent-info, dead-letter (the prefix is added).",
      "Undecodable messages print an error naming topic, partition and offset on stderr; tail goes on."
    })
public final class TailCommand implements Callable<Integer> {
  /** A "no such topic" message lists at most this many of the topics that exist. */
  private static final int MAX_TOPICS_LISTED = 30;

  @Mixin KafkaOptions kafka;

  @Option(names = "--topic", required = true, paramLabel = "TOPIC", description = "Topic to read.")
  String topic;

  @Option(
      names = "--max",
      paramLabel = "N",
      description = "Stop after N messages (default: run until Ctrl-C).")
  long max = -1;

  @Option(
      names = "--from-beginning",
      description = "Start at the oldest message instead of only new ones.")
  boolean fromBeginning;

  @Option(
      names = "--idle-exit",
      paramLabel = "SECONDS",
      description = "Stop when no message arrived for SECONDS (default: wait forever).")
  int idleExitSeconds = -1;

  @Option(
      names = "--bytes-inline",
      paramLabel = "N",
      defaultValue = "64",
      description =
          "Print bytes fields up to N bytes as base64, longer ones as a size (default: ${DEFAULT-VALUE}).")
  int bytesInline = 64;

  @Spec CommandSpec spec;

  private final CountDownLatch finished = new CountDownLatch(1);

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    if (max == 0) {
      return 0;
    }
    KafkaSettings settings;
    try {
      settings = kafka.resolve();
      TopicAdmin.checkReachable(settings);
    } catch (KafkaConfigException | BrokerUnavailableException e) {
      err.println("saescope tail: " + e.getMessage());
      return 1;
    }
    String name = resolveTopic(settings, topic);
    TopicKind kind = settings.topics().kindOf(name);
    JsonRenderer renderer = new JsonRenderer(bytesInline);
    ObjectMapper json = new ObjectMapper();

    try (KafkaConsumer<byte[], byte[]> consumer = Consumers.raw(settings)) {
      if (!assign(consumer, name, settings, err)) {
        return 1;
      }
      Thread hook = installShutdownHook(consumer);
      try {
        printMessages(consumer, kind, renderer, json, out, err);
      } catch (WakeupException e) {
        // Ctrl-C: fall through to a clean close.
      } finally {
        out.flush();
        try {
          Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
          // The JVM is already exiting; the hook is waiting for us.
        }
      }
      return 0;
    } catch (KafkaException e) {
      err.println(
          "saescope tail: reading "
              + name
              + " at "
              + settings.bootstrapServers()
              + " failed: "
              + e.getMessage());
      return 1;
    } finally {
      finished.countDown();
    }
  }

  /**
   * Assigns every partition of topic {@code name}, at its start or end; false (with a message on
   * {@code err}) if the topic does not exist.
   */
  private boolean assign(
      KafkaConsumer<byte[], byte[]> consumer,
      String name,
      KafkaSettings settings,
      PrintWriter err) {
    List<PartitionInfo> partitions = consumer.partitionsFor(name, settings.brokerTimeout());
    if (partitions == null || partitions.isEmpty()) {
      err.println(
          "saescope tail: topic "
              + name
              + " does not exist at "
              + settings.bootstrapServers()
              + "; "
              + topicsThere(consumer, settings));
      return false;
    }
    List<TopicPartition> tps =
        partitions.stream().map(p -> new TopicPartition(name, p.partition())).toList();
    consumer.assign(tps);
    if (fromBeginning) {
      consumer.seekToBeginning(tps);
    } else {
      consumer.seekToEnd(tps);
    }
    return true;
  }

  /** On Ctrl-C, wakes the consumer and waits for {@link #call()} to finish closing it. */
  private Thread installShutdownHook(KafkaConsumer<byte[], byte[]> consumer) {
    Thread main = Thread.currentThread();
    Thread hook =
        new Thread(
            () -> {
              consumer.wakeup();
              try {
                finished.await();
              } catch (InterruptedException e) {
                main.interrupt();
              }
            },
            "tail-shutdown");
    Runtime.getRuntime().addShutdownHook(hook);
    return hook;
  }

  /** Prints messages until {@code --max} of them or {@code --idle-exit} seconds without one. */
  private void printMessages(
      KafkaConsumer<byte[], byte[]> consumer,
      TopicKind kind,
      JsonRenderer renderer,
      ObjectMapper json,
      PrintWriter out,
      PrintWriter err) {
    long seen = 0;
    long lastMessage = System.nanoTime();
    while (max < 0 || seen < max) {
      var records = consumer.poll(Duration.ofMillis(500));
      for (ConsumerRecord<byte[], byte[]> r : records) {
        print(r, kind, renderer, json, out, err);
        seen++;
        lastMessage = System.nanoTime();
        if (max >= 0 && seen >= max) {
          break;
        }
      }
      out.flush();
      if (idleExitSeconds >= 0
          && System.nanoTime() - lastMessage > Duration.ofSeconds(idleExitSeconds).toNanos()) {
        break;
      }
    }
  }

  /** The topics that do exist (Kafka's internal ones left out), for a "no such topic" message. */
  private static String topicsThere(
      KafkaConsumer<byte[], byte[]> consumer, KafkaSettings settings) {
    List<String> names =
        consumer.listTopics(settings.brokerTimeout()).keySet().stream()
            .filter(t -> !t.startsWith("__"))
            .sorted()
            .toList();
    if (names.isEmpty()) {
      return "it has no topics yet";
    }
    int shown = Math.min(names.size(), MAX_TOPICS_LISTED);
    return "topics there: "
        + String.join(", ", names.subList(0, shown))
        + (names.size() > shown ? " and " + (names.size() - shown) + " more" : "");
  }

  /** "tasks" → "saescope.tasks" (with the configured prefix); anything else as given. */
  static String resolveTopic(KafkaSettings settings, String given) {
    for (TopicKind k : TopicKind.values()) {
      if (k.suffix().equals(given)) {
        return settings.topics().name(k);
      }
    }
    return given;
  }

  private static void print(
      ConsumerRecord<byte[], byte[]> r,
      TopicKind kind,
      JsonRenderer renderer,
      ObjectMapper json,
      PrintWriter out,
      PrintWriter err) {
    Optional<AvroFormat<? extends SpecificRecord>> format =
        kind != null ? Optional.of(Codecs.formatOf(kind)) : Codecs.formatOf(r.value());
    if (format.isEmpty()) {
      err.println(
          "saescope tail: "
              + new DecodeException(
                      r.topic(),
                      r.partition(),
                      r.offset(),
                      DecodeFailure.UNKNOWN_SCHEMA,
                      "not a saescope message (no single-object header with a known schema fingerprint; "
                          + (r.value() == null ? "null value" : r.value().length + " bytes")
                          + ")",
                      null)
                  .getMessage());
      return;
    }
    try {
      SpecificRecord value = format.get().decode(r.value(), r.topic(), r.partition(), r.offset());
      ObjectNode line = json.createObjectNode();
      line.put("topic", r.topic());
      line.put("partition", r.partition());
      line.put("offset", r.offset());
      line.put("timestamp", r.timestamp());
      line.put("key", key(r.key()));
      line.put("type", format.get().name());
      line.set("value", renderer.render(value));
      out.println(json.writeValueAsString(line));
    } catch (DecodeException e) {
      err.println("saescope tail: " + e.getMessage());
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      err.println(
          "saescope tail: cannot print message at topic "
              + r.topic()
              + " partition "
              + r.partition()
              + " offset "
              + r.offset()
              + ": "
              + e.getMessage());
    }
  }

  /** UTF-8 keys as text (saescope's keys are item ids), anything else as base64. */
  private static String key(byte[] key) {
    if (key == null) {
      return null;
    }
    try {
      return StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(key)).toString();
    } catch (CharacterCodingException e) {
      return "base64:" + Base64.getEncoder().encodeToString(key);
    }
  }
}
