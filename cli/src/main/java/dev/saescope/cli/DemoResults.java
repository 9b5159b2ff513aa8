package dev.saescope.cli;

import dev.saescope.common.kafka.Consumers;
import dev.saescope.common.kafka.KafkaSettings;
import dev.saescope.common.progress.ProgressBar;
import dev.saescope.schemas.LayerResult;
import dev.saescope.schemas.ResultAssembler;
import dev.saescope.schemas.serde.Codecs;
import dev.saescope.schemas.serde.DecodeException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;

/** The demo's reader of the results topic: whole results, split ones joined from their parts. */
final class DemoResults {
  private DemoResults() {}

  /**
   * Results until every task has reported each of its layers, the workers die, or time runs out.
   *
   * @throws DecodeException naming topic, partition and offset of a message that does not decode
   * @throws IllegalArgumentException naming task and part when the parts of a result do not join
   */
  static List<LayerResult> collect(
      KafkaSettings kafka, long tasks, Duration timeout, List<Thread> workers)
      throws DecodeException {
    List<LayerResult> results = new ArrayList<>();
    ResultAssembler assembler = new ResultAssembler();
    Set<String> done = new HashSet<>();
    Map<String, Integer> layersPerTask = new HashMap<>();
    int expectedLayers = -1;
    try (KafkaConsumer<byte[], byte[]> c = Consumers.raw(kafka);
        ProgressBar bar = ProgressBar.onStderr("tasks", tasks, false)) {
      String topic = kafka.topics().results();
      List<TopicPartition> parts = Consumers.assignFromBeginning(c, topic, kafka.brokerTimeout());
      long deadline = System.nanoTime() + timeout.toNanos();
      while (done.size() < tasks
          && System.nanoTime() < deadline
          && workers.stream().anyMatch(Thread::isAlive)) {
        for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(300))) {
          Optional<LayerResult> whole =
              assembler.offer(
                  Codecs.layerResult().decode(r.value(), r.topic(), r.partition(), r.offset()));
          if (whole.isEmpty()) {
            continue; // more parts to come
          }
          LayerResult res = whole.get();
          results.add(res);
          if (!"resid_post".equals(res.site())) {
            continue;
          }
          int seen = layersPerTask.merge(res.taskId(), 1, Integer::sum);
          expectedLayers = Math.max(expectedLayers, seen);
          if (seen == expectedLayers && done.add(res.taskId())) {
            bar.advance(1);
          }
        }
      }
    }
    return results;
  }
}
