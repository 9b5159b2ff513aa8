package dev.saescope.aggregator.stream;

import dev.saescope.schemas.LayerResult;

/**
 * Keys of the aggregator's state stores, as strings whose byte order is the order the analyses read
 * in. Parts are separated by {@code U+0000}, which no run id, task id or site contains.
 */
public final class StoreKeys {
  /** Separates the parts of a key; sorts before every printable character. */
  public static final char SEP = '\u0000';

  private StoreKeys() {}

  /** One whole result: {@code run, task, layer, site} (DESIGN.md: idempotent on this key). */
  public static String result(LayerResult.Key k) {
    return k.runId() + SEP + k.taskId() + SEP + k.layer() + SEP + k.site();
  }

  /** One task's buffered results. */
  public static String task(String runId, String taskId) {
    return runId + SEP + taskId;
  }

  /**
   * One task's observation within its run, sorted by item key (as an unsigned 16-digit hex number,
   * so byte order equals the signed order of {@code itemKey}) and then task id.
   */
  public static String observation(String runId, long itemKey, String taskId) {
    return runPrefix(runId) + sortableHex(itemKey) + SEP + taskId;
  }

  /** The prefix of every observation key of a run. */
  public static String runPrefix(String runId) {
    return runId + SEP;
  }

  /** One latent of one SAE within a run. */
  public static String latent(String runId, String saeId, int latent) {
    return latentPrefix(runId, saeId) + latentIndex(latent);
  }

  /**
   * A latent index as at least 8 digits, zero-padded ({@code %08d}, which costs a microsecond a
   * call: the card stage builds a key per latent per result).
   */
  static String latentIndex(int latent) {
    if (latent < 0) {
      return String.format("%08d", latent);
    }
    String digits = Integer.toString(latent);
    return digits.length() >= 8 ? digits : "00000000".substring(digits.length()) + digits;
  }

  /** The prefix of every latent key of one SAE in a run. */
  public static String latentPrefix(String runId, String saeId) {
    return runId + SEP + saeId + SEP;
  }

  /** The last part of a key. */
  public static String lastPart(String key) {
    return key.substring(key.lastIndexOf(SEP) + 1);
  }

  /** {@code key} with its sign bit flipped, as 16 hex digits: unsigned order = signed order. */
  static String sortableHex(long key) {
    return String.format("%016x", key ^ Long.MIN_VALUE);
  }
}
