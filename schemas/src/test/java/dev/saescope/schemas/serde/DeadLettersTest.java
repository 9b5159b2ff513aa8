package dev.saescope.schemas.serde;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.saescope.avro.DeadLetter;
import dev.saescope.schemas.DeadLetterReason;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Random;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

/** A dead letter always fits a producer request, whatever the poison's size (issue 9, item 3). */
class DeadLettersTest {
  @Test
  void aOneMebibytePoisonMessageGivesADeadLetterThatFitsWithSizeAndHash() throws Exception {
    byte[] poison = new byte[1_048_450];
    new Random(3).nextBytes(poison);
    byte[] encoded =
        DeadLetters.encode(
            DeadLetterReason.UNDECODABLE,
            "x".repeat(100_000),
            new ConsumerRecord<>("t.tasks", 2, 77L, "item", poison),
            "worker",
            "w1",
            1L);
    assertTrue(encoded.length < 128 * 1024, "dead letter of " + encoded.length + " bytes");
    DeadLetter d = Codecs.deadLetter().decode(encoded, "t", 0, 0);
    String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(poison));
    assertTrue(
        d.getDetail().contains("original value 1048450 bytes, sha256 " + sha),
        d.getDetail().substring(4000));
    ByteBuffer kept = d.getValue();
    byte[] prefix = new byte[kept.remaining()];
    kept.get(prefix);
    assertArrayEquals(java.util.Arrays.copyOf(poison, DeadLetters.PREFIX), prefix);
    assertEquals(77L, d.getOffset());
  }

  @Test
  void aSmallPoisonMessageIsKeptWhole() {
    byte[] poison = {1, 2, 3};
    DeadLetter d =
        decode(
            DeadLetters.encode(
                DeadLetterReason.UNDECODABLE,
                "bad",
                new ConsumerRecord<>("t.tasks", 0, 1L, null, poison),
                "worker",
                "w1",
                1L));
    assertEquals("bad", d.getDetail());
    assertEquals(ByteBuffer.wrap(poison), d.getValue());
  }

  private static DeadLetter decode(byte[] b) {
    try {
      return Codecs.deadLetter().decode(b, "t", 0, 0);
    } catch (DecodeException e) {
      throw new AssertionError(e);
    }
  }
}
