package dev.saescope.aggregator.stats;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * The stable 64-bit key of an item: the first 8 bytes, read big-endian as a signed long, of the
 * SHA-256 of the item id's UTF-8 bytes. The same on every JVM and in every language ({@code
 * int.from_bytes(hashlib.sha256(id.encode()).digest()[:8], "big", signed=True)} in Python), so the
 * order of summation and every random choice keyed by it are too.
 */
public final class ItemKey {
  private ItemKey() {}

  /** The key of {@code itemId}; distinct ids collide with probability about {@code n^2 / 2^65}. */
  public static long of(String itemId) {
    byte[] digest = sha256().digest(itemId.getBytes(StandardCharsets.UTF_8));
    return ByteBuffer.wrap(digest, 0, Long.BYTES).getLong();
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      // The MessageDigest javadoc requires every Java platform to provide SHA-256.
      throw new IllegalStateException("this JVM has no SHA-256", e);
    }
  }
}
