package dev.saescope.aggregator.stream;

import dev.saescope.schemas.LayerResult;
import dev.saescope.schemas.serde.Codecs;
import dev.saescope.schemas.serde.DecodeException;
import dev.saescope.schemas.serde.MessageCodec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The first stage, partitioned by item (results are keyed by item id): decodes result messages,
 * buffers each task's parts until the task is complete, then hands the task's whole per-layer
 * results to {@link TaskFinisher} and forwards what it returns. Bad input (undecodable bytes,
 * inconsistent shapes, parts whose siblings never come) is counted, logged with topic, partition
 * and offset, and skipped; the stream goes on.
 *
 * <p>A task is complete as soon as every part of every result it has is stored, when its results
 * say how many results the task has ({@code resultsPerTask}, results v3); one still missing some
 * after {@link #MISSING_AFTER} idle times is finished with what came, and what is missing is
 * reported. Results of older workers do not say; such a task is complete when no new part has
 * arrived for it for {@code idle} (wall clock, counted from this processor's start at the earliest,
 * so a task half read before a crash gets its remaining parts read again first): a worker publishes
 * all layers of a task in one transaction, and this stage reads committed data only, so a task's
 * results arrive together. A finished task is remembered, so a replayed or redone task is counted
 * once.
 */
final class TaskIntake implements Processor<String, byte[], String, byte[]> {
  private static final Logger LOG = LoggerFactory.getLogger(TaskIntake.class);
  private static final MessageCodec<LayerResult> CODEC = Codecs.layerResult();

  private final TaskFinisher finisher;
  private final AggregatorMetrics metrics;
  private final Duration idle;

  /**
   * Idle times a task whose results state its size waits for the missing ones before it is finished
   * without them (60 s at the default 2 s).
   */
  static final int MISSING_AFTER = 30;

  private ProcessorContext<String, byte[]> context;
  private KeyValueStore<String, byte[]> parts; // run|task|layer|site|part|parts -> message bytes
  private KeyValueStore<String, Long> active; // run|task -> wall-clock ms of its newest part
  private KeyValueStore<String, Long> done; // run|task -> wall-clock ms it was finished
  private long startedMs; // when this processor (re)started
  private long firstRecordMs = -1; // when it read its first record since then

  TaskIntake(TaskFinisher finisher, AggregatorMetrics metrics, Duration idle) {
    this.finisher = finisher;
    this.metrics = metrics;
    this.idle = idle;
  }

  @Override
  public void init(ProcessorContext<String, byte[]> context) {
    this.context = context;
    this.parts = context.getStateStore(AggregatorTopology.PARTS);
    this.active = context.getStateStore(AggregatorTopology.ACTIVE);
    this.done = context.getStateStore(AggregatorTopology.DONE);
    this.startedMs = System.currentTimeMillis();
    Duration every = idle.dividedBy(2).isZero() ? Duration.ofMillis(1) : idle.dividedBy(2);
    context.schedule(every, PunctuationType.WALL_CLOCK_TIME, this::finishIdle);
  }

  @Override
  public void process(Record<String, byte[]> record) {
    String where = where();
    if (record.value() == null) {
      skip("undecodable", where, "a null value");
      return;
    }
    LayerResult r;
    try {
      r = CODEC.decode(record.value(), topic(), partition(), offset());
    } catch (DecodeException e) {
      skip("undecodable", where, e.getMessage());
      return;
    } catch (IllegalArgumentException e) { // our records validate shapes in their constructors
      skip("inconsistent", where, e.getMessage());
      return;
    }
    if (firstRecordMs < 0) {
      firstRecordMs = System.currentTimeMillis();
    }
    metrics.result(record.value().length, r.producedAtMs());
    String task = StoreKeys.task(r.runId(), r.taskId());
    if (done.get(task) != null) {
      metrics.duplicate();
      return;
    }
    String key = StoreKeys.result(r.key()) + StoreKeys.SEP + r.part() + StoreKeys.SEP + r.parts();
    if (parts.get(key) != null) {
      metrics.duplicate();
      return;
    }
    parts.put(key, record.value());
    long now = System.currentTimeMillis();
    active.put(task, now);
    if (r.resultsPerTask() > 0 && allStored(task, r.resultsPerTask())) {
      finish(task, now);
    }
  }

  /** Whether {@code results} whole results of {@code task} have all their parts stored. */
  private boolean allStored(String task, int results) {
    Map<String, int[]> seen = new HashMap<>(); // layer|site -> {parts stored, parts expected}
    try (KeyValueIterator<String, byte[]> it =
        parts.prefixScan(task + StoreKeys.SEP, new StringSerializer())) {
      while (it.hasNext()) {
        String k = it.next().key;
        int totalAt = k.lastIndexOf(StoreKeys.SEP);
        int partAt = k.lastIndexOf(StoreKeys.SEP, totalAt - 1);
        int[] count =
            seen.computeIfAbsent(
                k.substring(0, partAt),
                x -> new int[] {0, Integer.parseInt(k.substring(totalAt + 1))});
        count[0]++;
      }
    }
    return seen.size() == results && seen.values().stream().allMatch(c -> c[0] == c[1]);
  }

  private void finishIdle(long now) {
    Map<String, Long> due = new LinkedHashMap<>(); // task -> ms without a new part, in key order
    try (KeyValueIterator<String, Long> it = active.all()) {
      while (it.hasNext()) {
        KeyValue<String, Long> e = it.next();
        // After a restart the rest of a half-read task is read again from the committed offset:
        // count its idle time from the first record read since, not from its first parts'
        // arrival. With no record at all for ten idle times, nothing more is coming.
        long from = firstRecordMs >= 0 ? firstRecordMs : startedMs + 9 * idle.toMillis();
        long quiet = now - Math.max(e.value, from);
        if (quiet >= idle.toMillis()) {
          due.put(e.key, quiet);
        }
      }
    }
    for (Map.Entry<String, Long> e : due.entrySet()) {
      String task = e.getKey();
      int size = statedSize(task);
      if (size > 0 && !allStored(task, size)) {
        // Its results say how many there are: idle time is no sign that the rest will not come
        // (a long pause of this stage looks the same), so wait MISSING_AFTER idle times, then
        // finish with what came and say what is missing.
        if (e.getValue() < MISSING_AFTER * idle.toMillis()) {
          continue;
        }
        skip(
            "incomplete",
            "task " + task.replace(StoreKeys.SEP, '/'),
            "its results say "
                + size
                + " per task; the rest did not come within "
                + e.getValue() / 1000
                + " s");
      }
      finish(task, now);
    }
  }

  /** The task size its stored parts state ({@code resultsPerTask}), 0 when they do not say. */
  private int statedSize(String task) {
    try (KeyValueIterator<String, byte[]> it =
        parts.prefixScan(task + StoreKeys.SEP, new StringSerializer())) {
      if (!it.hasNext()) {
        return 0;
      }
      try {
        return CODEC
            .decode(it.next().value, "state:" + AggregatorTopology.PARTS, -1, -1)
            .resultsPerTask();
      } catch (DecodeException ex) { // was decodable when stored: the store is corrupt
        throw new IllegalStateException("state store " + AggregatorTopology.PARTS, ex);
      }
    }
  }

  /** Joins the task's parts per (layer, site), finishes the task and forgets its buffer. */
  private void finish(String task, long now) {
    List<LayerResult> received = new ArrayList<>();
    List<String> keys = new ArrayList<>();
    try (KeyValueIterator<String, byte[]> it =
        parts.prefixScan(task + StoreKeys.SEP, new StringSerializer())) {
      while (it.hasNext()) {
        KeyValue<String, byte[]> e = it.next();
        keys.add(e.key);
        try {
          received.add(CODEC.decode(e.value, "state:" + AggregatorTopology.PARTS, -1, -1));
        } catch (DecodeException ex) { // was decodable when stored: the store is corrupt
          throw new IllegalStateException("state store " + AggregatorTopology.PARTS, ex);
        }
      }
    }
    List<LayerResult> whole =
        TaskParts.join(
            received,
            (reason, detail) -> skip(reason, "task " + task.replace(StoreKeys.SEP, '/'), detail));
    keys.forEach(parts::delete);
    active.delete(task);
    done.put(task, now);
    metrics.taskCompleted();
    if (!whole.isEmpty()) {
      for (KeyValue<String, byte[]> out : finisher.finish(whole)) {
        context.forward(new Record<>(out.key, out.value, now));
      }
    }
  }

  private void skip(String reason, String where, String detail) {
    metrics.skipped(reason);
    String d = detail.length() > 300 ? detail.substring(0, 300) + "..." : detail;
    LOG.warn("skipped {} input at {}: {}", reason, where, d);
  }

  private String where() {
    return topic() + " partition " + partition() + " offset " + offset();
  }

  private String topic() {
    return context.recordMetadata().map(RecordMetadata::topic).orElse("?");
  }

  private int partition() {
    return context.recordMetadata().map(RecordMetadata::partition).orElse(-1);
  }

  private long offset() {
    return context.recordMetadata().map(RecordMetadata::offset).orElse(-1L);
  }
}
