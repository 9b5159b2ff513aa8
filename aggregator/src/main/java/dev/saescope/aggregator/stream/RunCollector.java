package dev.saescope.aggregator.stream;

import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * The per-run stage, partitioned by run id: keeps every task's observation under a key sorted by
 * item key, and the run's task count. A task observed again (the same task id) replaces its
 * observation, which is identical, and is not counted twice.
 */
final class RunCollector implements Processor<String, byte[], Void, Void> {
  private final AggregatorMetrics metrics;
  private KeyValueStore<String, byte[]> observations;
  private KeyValueStore<String, Long> tasks;

  RunCollector(AggregatorMetrics metrics) {
    this.metrics = metrics;
  }

  @Override
  public void init(ProcessorContext<Void, Void> context) {
    observations = context.getStateStore(AggregatorTopology.OBSERVATIONS);
    tasks = context.getStateStore(AggregatorTopology.RUN_TASKS);
  }

  @Override
  public void process(Record<String, byte[]> record) {
    Envelope e = Envelope.read(record.value());
    String run = record.key();
    String key = StoreKeys.observation(run, e.itemKey(), e.taskId());
    if (observations.get(key) == null) {
      Long n = tasks.get(run);
      tasks.put(run, n == null ? 1 : n + 1);
    }
    observations.put(key, e.payload());
    metrics.observation();
  }
}
