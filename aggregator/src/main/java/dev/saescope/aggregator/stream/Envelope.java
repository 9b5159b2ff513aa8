package dev.saescope.aggregator.stream;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * What the first stage hands to the later ones through the repartition topics: a kind byte, then
 * the payload. Observations carry their item key and task id in front, so the per-run stage keys
 * its store without decoding the observation.
 */
record Envelope(byte kind, long itemKey, String taskId, byte[] payload) {
  /** A task's observation, keyed by run id. */
  static final byte OBSERVATION = 'O';

  /** One result's latent batch, keyed by run and SAE. */
  static final byte LATENTS = 'L';

  static byte[] observation(long itemKey, String taskId, byte[] obs) {
    byte[] task = taskId.getBytes(StandardCharsets.UTF_8);
    return ByteBuffer.allocate(1 + 8 + 4 + task.length + obs.length)
        .put(OBSERVATION)
        .putLong(itemKey)
        .putInt(task.length)
        .put(task)
        .put(obs)
        .array();
  }

  static byte[] latents(byte[] batch) {
    return ByteBuffer.allocate(1 + batch.length).put(LATENTS).put(batch).array();
  }

  static byte kindOf(byte[] bytes) {
    return bytes[0];
  }

  static Envelope read(byte[] bytes) {
    ByteBuffer in = ByteBuffer.wrap(bytes);
    byte kind = in.get();
    if (kind == LATENTS) {
      byte[] p = new byte[in.remaining()];
      in.get(p);
      return new Envelope(kind, 0, "", p);
    }
    if (kind != OBSERVATION) {
      throw new IllegalArgumentException("unknown envelope kind " + kind);
    }
    long itemKey = in.getLong();
    byte[] task = new byte[in.getInt()];
    in.get(task);
    byte[] p = new byte[in.remaining()];
    in.get(p);
    return new Envelope(kind, itemKey, new String(task, StandardCharsets.UTF_8), p);
  }
}
