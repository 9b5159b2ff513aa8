package dev.saescope.aggregator.stats;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

class ItemKeyTest {
  @Test
  void keyIsTheFirstEightBytesOfSha256BigEndian() {
    // SHA-256("abc") = ba7816bf 8f01cfea 414140de ... (FIPS 180-2, appendix B.1)
    assertEquals(0xba7816bf8f01cfeaL, ItemKey.of("abc"));
  }

  @Test
  void keysMatchPythonHashlibIncludingEmptyAndNonAsciiIds() {
    for (JsonNode c : Golden.STATS.get("itemKeys")) {
      String id = c.get("id").asText();
      assertEquals(c.get("key").asLong(), ItemKey.of(id), "item id '" + id + "'");
    }
  }
}
