package dev.saescope.producer.variant;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Stable hashing for seeds and ids. Every random choice about an item draws from a generator seeded
 * by (run seed, item id, purpose), so it does not depend on the item's position, on the other
 * items, or on which variants are enabled: the same item gets the same texts in any run with the
 * same seed, streamed or read whole.
 */
public final class Seeds {
  private Seeds() {}

  /** A 64-bit seed from the run seed and the given parts (SHA-256, first 8 bytes). */
  public static long of(long seed, String... parts) {
    byte[] h = digest(Long.toString(seed), parts);
    long v = 0;
    for (int i = 0; i < 8; i++) {
      v = (v << 8) | (h[i] & 0xff);
    }
    return v;
  }

  /** A hex id of {@code hexChars} characters from the parts (SHA-256 prefix). */
  public static String id(int hexChars, String... parts) {
    return HexFormat.of().formatHex(digest("", parts)).substring(0, hexChars);
  }

  private static byte[] digest(String first, String... parts) {
    try {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      md.update(first.getBytes(StandardCharsets.UTF_8));
      for (String p : parts) {
        // A separator that cannot occur in text keeps ("ab","c") and ("a","bc") apart.
        md.update((byte) 0);
        md.update(p.getBytes(StandardCharsets.UTF_8));
      }
      return md.digest();
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required of every JVM", e);
    }
  }
}
