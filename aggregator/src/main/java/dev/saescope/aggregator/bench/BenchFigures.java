package dev.saescope.aggregator.bench;

/**
 * What one size measured.
 *
 * @param shape the size
 * @param results results of the run (one per task and layer)
 * @param resultBytes bytes of the encoded result messages
 * @param observeNsPerResult in-process reduction to observations, ns per result
 * @param streamMs first result consumed to last task observed, through the broker
 * @param stateEntries entries of the aggregator's local stores after the run
 * @param stateBytes bytes (keys and values) of those stores after the run
 * @param cpuCores cores the JVM could use
 */
public record BenchFigures(
    BenchShape shape,
    long results,
    long resultBytes,
    double observeNsPerResult,
    long streamMs,
    long stateEntries,
    long stateBytes,
    int cpuCores) {

  /** Results per second one instance sustained through the broker. */
  public double streamResultsPerSecond() {
    return results * 1000.0 / Math.max(1, streamMs);
  }

  /** Megabytes (10^6) of results per second through the broker. */
  public double streamMegabytesPerSecond() {
    return resultBytes / 1e3 / Math.max(1, streamMs);
  }

  /** Results per second the reduction alone reaches on one thread. */
  public double observeResultsPerSecond() {
    return 1e9 / observeNsPerResult;
  }

  /** Through-broker rate over the pure reduction's rate. */
  public double ratio() {
    return streamResultsPerSecond() / observeResultsPerSecond();
  }

  /** Wall time per result through the broker, in microseconds. */
  public double streamMicrosPerResult() {
    return streamMs * 1000.0 / results;
  }

  /** Mean bytes of one result message. */
  public double bytesPerResult() {
    return (double) resultBytes / results;
  }
}
