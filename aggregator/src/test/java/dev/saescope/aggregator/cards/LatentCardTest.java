package dev.saescope.aggregator.cards;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.saescope.schemas.DenseRows;
import dev.saescope.schemas.LatentRow;
import dev.saescope.schemas.LatentRows;
import dev.saescope.schemas.LayerResult;
import dev.saescope.schemas.PromptTokens;
import dev.saescope.schemas.TaskLabels;
import dev.saescope.schemas.Variant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** E3a cards: bounded whatever the stream's length, the same in any order, and round-tripped. */
class LatentCardTest {
  private static final int D_SAE = 32;

  @Test
  void tenTimesTheResultsGiveCardsOfTheSameSize() {
    Map<Integer, LatentCard> small = merge(batches(50, 1));
    Map<Integer, LatentCard> large = merge(batches(500, 1));
    assertEquals(small.size(), large.size(), "one card per latent that fired");
    long smallBytes = small.values().stream().mapToLong(c -> CardCodec.card(c).length).sum();
    long largeBytes = large.values().stream().mapToLong(c -> CardCodec.card(c).length).sum();
    // Contexts differ in task ids, so bytes vary a little, never with the stream's length.
    assertTrue(largeBytes < smallBytes * 1.2, smallBytes + " bytes -> " + largeBytes);
    for (LatentCard c : large.values()) {
      assertEquals(LatentCard.TOP, c.top().size(), "latent " + c.latent() + " keeps the top 20");
      assertEquals(Histogram.BINS, c.histogram().length);
    }
    long fires = large.values().stream().mapToLong(LatentCard::fires).sum();
    assertEquals(500L * 6 * 4, fires, "every firing counted once: 500 results x 6 positions x 4");
  }

  @Test
  void mergingInAnyOrderGivesTheSameCards() {
    List<LatentBatch> b = batches(80, 2);
    Map<Integer, LatentCard> forward = merge(b);
    List<LatentBatch> shuffled = new ArrayList<>(b);
    Collections.shuffle(shuffled, new Random(9));
    Map<Integer, LatentCard> other = merge(shuffled);
    assertEquals(forward.keySet(), other.keySet());
    for (int latent : forward.keySet()) {
      assertEquals(
          java.util.Arrays.toString(CardCodec.card(forward.get(latent))),
          java.util.Arrays.toString(CardCodec.card(other.get(latent))),
          "latent " + latent);
    }
  }

  @Test
  void topContextsAreTheStrongestWithTheirWindow() {
    LatentBatch b = LatentBatch.of(result("t0", 0, new float[] {0.5f, 3f, 1f, 0f, 2f, 0.25f}));
    LatentCard c = b.cards().stream().filter(x -> x.latent() == 7).findFirst().orElseThrow();
    assertEquals(5, c.fires(), "a stored zero is not a firing");
    assertEquals(3f, c.max());
    assertEquals(
        List.of(3f, 2f, 1f, 0.5f, 0.25f), c.top().stream().map(LatentContext::value).toList());
    LatentContext best = c.top().get(0);
    assertEquals(1, best.position());
    List<String> texts = new ArrayList<>();
    for (int p = 0; p < 30; p++) {
      texts.add("tok" + p);
    }
    LatentContext.Window w = best.window(texts);
    assertEquals("tok1", w.tokens().get(w.at()), "the window is centred on the token");
    assertEquals(texts.subList(0, 1 + LatentContext.WINDOW + 1), w.tokens(), "cut at the start");
    LatentContext.Window middle = new LatentContext(1f, "t", "i", 20).window(texts);
    assertEquals(texts.subList(12, 29), middle.tokens(), "8 tokens each side");
    assertEquals(8, middle.at());
    assertThrows(
        IllegalArgumentException.class, () -> new LatentContext(1f, "t", "i", 30).window(texts));
  }

  @Test
  void codecRoundTripsAndRefusesOtherBytes() {
    LatentBatch b = batches(3, 3).get(0);
    byte[] bytes = CardCodec.batch(b);
    assertTrue(java.util.Arrays.equals(bytes, CardCodec.batch(CardCodec.batch(bytes))), "batch");
    LatentCard c = b.cards().get(0);
    LatentCard back = CardCodec.card(CardCodec.card(c));
    assertEquals(c.top(), back.top());
    assertEquals(c.fires(), back.fires());
    assertThrows(IllegalArgumentException.class, () -> CardCodec.card(new byte[] {9, 1, 2}));
    assertThrows(IllegalArgumentException.class, () -> CardCodec.card(new byte[] {1, 1}));
  }

  @Test
  void mergingBytesGivesTheBytesOfTheMergedCardInAnyOrder() {
    List<LatentBatch> b = batches(120, 4);
    Map<Integer, LatentCard> expected = merge(b);
    List<LatentBatch> shuffled = new ArrayList<>(b);
    Collections.shuffle(shuffled, new Random(5));
    Map<Integer, byte[]> cards = new TreeMap<>();
    for (LatentBatch batch : shuffled) {
      for (byte[] c : CardCodec.batchBytes(CardCodec.batch(batch)).cards()) {
        cards.merge(CardBytes.latent(c), c, CardBytes::merge);
      }
    }
    assertEquals(expected.keySet(), cards.keySet());
    for (int latent : expected.keySet()) {
      assertEquals(
          java.util.Arrays.toString(CardCodec.card(expected.get(latent))),
          java.util.Arrays.toString(cards.get(latent)),
          "latent " + latent);
    }
  }

  @Test
  void equalValuesAreOrderedByTaskThenPositionAsInTheRecordMerge() {
    // Every activation 1.0: only the tie-break decides which 20 of 36 contexts are kept.
    List<LatentCard> parts = new ArrayList<>();
    for (int t = 5; t >= 0; t--) {
      parts.add(LatentBatch.of(result("t" + t, t, new float[] {1, 1, 1, 1, 1, 1})).cards().get(0));
    }
    LatentCard byRecords = parts.get(0);
    byte[] byBytes = CardCodec.card(parts.get(0));
    for (LatentCard c : parts.subList(1, parts.size())) {
      byRecords = byRecords.merge(c);
      byBytes = CardBytes.merge(byBytes, CardCodec.card(c));
    }
    assertEquals(
        java.util.Arrays.toString(CardCodec.card(byRecords)), java.util.Arrays.toString(byBytes));
    assertEquals("t0", CardCodec.card(byBytes).top().get(0).taskId());
  }

  @Test
  void cardsOfEarlierVersionsAreStillReadAndMerged() {
    LatentCard c = batches(2, 6).get(0).cards().get(0);
    for (byte[] old : List.of(v1(c), v2(c))) {
      assertEquals(c.top(), CardCodec.card(old).top(), "version " + old[0]);
      assertEquals(
          java.util.Arrays.toString(CardCodec.card(c.merge(c))),
          java.util.Arrays.toString(CardBytes.merge(old, CardCodec.card(c))),
          "version " + old[0]);
    }
    assertThrows(
        IllegalArgumentException.class,
        () -> CardBytes.merge(CardCodec.card(c), CardCodec.card(LatentCard.empty(c.latent() + 1))));
  }

  /** Tokens as earlier versions stored them with every context. */
  private static final List<String> WINDOW = List.of("a", "b", "c");

  /** A card as version 1 wrote it: the record's fields in order, with each context's window. */
  private static byte[] v1(LatentCard c) {
    return bytes(
        out -> {
          out.writeByte(1);
          out.writeInt(c.latent());
          out.writeLong(c.fires());
          out.writeFloat(c.max());
          out.writeInt(c.top().size());
          for (LatentContext x : c.top()) {
            out.writeFloat(x.value());
            out.writeUTF(x.taskId());
            out.writeUTF(x.itemId());
            out.writeInt(x.position());
            writeWindow(out);
          }
          for (long h : c.histogram()) {
            out.writeLong(h);
          }
        });
  }

  /** A card as version 2 wrote it: version 3 with each context's window after its ids. */
  private static byte[] v2(LatentCard c) {
    return bytes(
        out -> {
          out.writeByte(2);
          out.writeInt(c.latent());
          out.writeLong(c.fires());
          out.writeFloat(c.max());
          CardCodec.writeHistogram(out, c.histogram());
          out.writeInt(c.top().size());
          for (LatentContext x : c.top()) {
            byte[] context =
                bytes(
                    to -> {
                      to.writeFloat(x.value());
                      to.writeInt(x.position());
                      to.writeUTF(x.taskId());
                      to.writeUTF(x.itemId());
                      writeWindow(to);
                    });
            out.writeInt(context.length);
            out.write(context);
          }
        });
  }

  private interface Writes {
    void to(java.io.DataOutputStream out) throws java.io.IOException;
  }

  private static byte[] bytes(Writes w) {
    try {
      java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
      java.io.DataOutputStream out = new java.io.DataOutputStream(bytes);
      w.to(out);
      out.flush();
      return bytes.toByteArray();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static void writeWindow(java.io.DataOutputStream out) throws java.io.IOException {
    out.writeInt(1); // the activating token's index
    out.writeInt(WINDOW.size());
    for (String t : WINDOW) {
      out.writeUTF(t);
    }
  }

  @Test
  void histogramBinsAreMonotoneAndCoverEverything() {
    assertEquals(0, Histogram.bin(0));
    assertEquals(0, Histogram.bin(Double.NaN));
    assertEquals(Histogram.BINS - 1, Histogram.bin(1e9));
    int last = 0;
    for (double v = 1e-4; v < 1e4; v *= 1.1) {
      int b = Histogram.bin(v);
      assertTrue(b >= last, "bins grow with the value");
      assertTrue(Histogram.lowerEdge(b) <= v, v + " below its bin's edge");
      last = b;
    }
  }

  private static Map<Integer, LatentCard> merge(List<LatentBatch> batches) {
    Map<Integer, LatentCard> cards = new TreeMap<>();
    for (LatentBatch b : batches) {
      for (LatentCard c : b.cards()) {
        cards.merge(c.latent(), c, LatentCard::merge);
      }
    }
    return cards;
  }

  /** {@code n} results, 6 positions each, 4 latents active per position out of 8 used. */
  private static List<LatentBatch> batches(int n, long seed) {
    Random rnd = new Random(seed);
    List<LatentBatch> out = new ArrayList<>();
    for (int t = 0; t < n; t++) {
      List<LatentRow> rows = new ArrayList<>();
      for (int p = 0; p < 6; p++) {
        int base = rnd.nextInt(4);
        rows.add(
            new LatentRow(
                p,
                new int[] {base, base + 4, base + 8, base + 12},
                new float[] {
                  1 + rnd.nextFloat(),
                  rnd.nextFloat() + 0.1f,
                  2 * rnd.nextFloat() + 0.1f,
                  5 * rnd.nextFloat() + 0.1f
                },
                0f));
      }
      out.add(LatentBatch.of(result("t" + t, t, rows)));
    }
    return out;
  }

  private static LayerResult result(String task, int item, float[] latent7) {
    List<LatentRow> rows = new ArrayList<>();
    for (int p = 0; p < latent7.length; p++) {
      rows.add(new LatentRow(p, new int[] {7}, new float[] {latent7[p]}, 0f));
    }
    return result(task, item, rows);
  }

  private static LayerResult result(String task, int item, List<LatentRow> rows) {
    int n = 6;
    int[] ids = new int[n];
    List<String> texts = new ArrayList<>();
    for (int p = 0; p < n; p++) {
      ids[p] = p;
      texts.add("tok" + p);
    }
    return new LayerResult(
        "run",
        task,
        "item" + item,
        new TaskLabels("P36", Variant.DIRECT, null, false, "q", List.of("x"), false),
        3,
        "resid_post",
        0,
        1,
        "m",
        "sae",
        "w",
        new PromptTokens(ids, texts, 2, 3, n),
        new DenseRows(new int[0], 4, new float[0]),
        new LatentRows(D_SAE, rows),
        List.of(),
        List.of(),
        0f,
        0L);
  }
}
