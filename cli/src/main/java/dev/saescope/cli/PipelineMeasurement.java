package dev.saescope.cli;

import io.vertx.core.json.JsonObject;
import java.io.PrintWriter;

/**
 * What {@code saescope bench pipeline} measured in one run, and how it is printed: one JSON object
 * with {@code --json}, otherwise five lines of text.
 *
 * @param latencies milliseconds from publishing each streamed task to its last result, sorted
 * @param joinMillis ms from the second worker joining to its first result, or -1 if none came
 */
record PipelineMeasurement(
    String model,
    int tasks,
    long tokens,
    int layers,
    int saes,
    double inProcessSeconds,
    double kafkaSeconds,
    double streamTasksPerSecond,
    double[] latencies,
    long joinMillis,
    double lensShare) {

  double inProcessTokensPerSecond() {
    return tokens / inProcessSeconds;
  }

  double kafkaTokensPerSecond() {
    return tokens / kafkaSeconds;
  }

  double ratio() {
    return kafkaTokensPerSecond() / inProcessTokensPerSecond();
  }

  JsonObject toJson() {
    return new JsonObject()
        .put("bench", "pipeline")
        .put("model", model)
        .put("tasks", tasks)
        .put("tokens", tokens)
        .put("layers", layers)
        .put("saes", saes)
        .put("in_process_tokens_per_s", inProcessTokensPerSecond())
        .put("kafka_tokens_per_s", kafkaTokensPerSecond())
        .put("ratio", ratio())
        .put("stream_tasks_per_s", streamTasksPerSecond)
        .put("latency_p50_ms", percentile(latencies, 50))
        .put("latency_p99_ms", percentile(latencies, 99))
        .put("join_to_first_result_ms", joinMillis)
        .put("lens_share", lensShare);
  }

  void render(PrintWriter out, boolean json) {
    JsonObject result = toJson();
    if (json) {
      out.println(result.encode());
    } else {
      out.printf(
          "in-process   %.1f tokens/s (%d tokens, %.1f s)%n",
          inProcessTokensPerSecond(), tokens, inProcessSeconds);
      out.printf(
          "through Kafka %.1f tokens/s (%.1f s, one worker)   ratio %.3f%n",
          kafkaTokensPerSecond(), kafkaSeconds, ratio());
      out.printf(
          "streamed at %.2f tasks/s: latency p50 %.0f ms, p99 %.0f ms%n",
          streamTasksPerSecond, percentile(latencies, 50), percentile(latencies, 99));
      out.printf("second worker: first committed result %d ms after joining%n", joinMillis);
      out.printf(
          "full-vocabulary lens: %.0f%% of compute time%n", 100 * result.getDouble("lens_share"));
    }
    out.flush();
  }

  /** What {@code bench pipeline --in-process-only} prints: the in-process phase alone. */
  static void renderInProcess(
      PrintWriter out,
      boolean json,
      String model,
      String dtype,
      int tasks,
      long tokens,
      double seconds,
      double lensShare,
      double lensShared) {
    if (json) {
      out.println(
          new JsonObject()
              .put("bench", "pipeline")
              .put("model", model)
              .put("dtype", dtype)
              .put("tasks", tasks)
              .put("tokens", tokens)
              .put("in_process_seconds", seconds)
              .put("in_process_tokens_per_s", tokens / seconds)
              .put("lens_share", lensShare)
              .put("lens_positions_shared", lensShared)
              .encode());
    } else {
      out.printf(
          "in-process   %.1f tokens/s (%d tokens, %.1f s; %s)%n",
          tokens / seconds, tokens, seconds, dtype);
      out.printf(
          "full-vocabulary lens: %.0f%% of compute time; %.0f%% of its positions shared with"
              + " another task's prefix%n",
          100 * lensShare, 100 * lensShared);
    }
    out.flush();
  }

  private static double percentile(double[] sorted, double p) {
    if (sorted.length == 0) {
      return Double.NaN;
    }
    int i = (int) Math.ceil(p / 100 * sorted.length) - 1;
    return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
  }
}
