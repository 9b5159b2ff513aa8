package dev.saescope.aggregator.observe;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.saescope.schemas.LayerResult;
import dev.saescope.schemas.Variant;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class ObservationCodecTest {
  @Test
  void roundTripGivesAnEqualObservationAndTheSameBytes() {
    for (List<LayerResult> task : SyntheticRun.results(5, 3, 4)) {
      TaskObservation o = TaskObservations.of(task, ObservationOptions.DEFAULT);
      byte[] bytes = o.toBytes();
      TaskObservation back = TaskObservation.fromBytes(bytes);
      assertEquals(o, back, o.taskId());
      assertArrayEquals(bytes, back.toBytes(), o.taskId());
    }
  }

  @Test
  void roundTripKeepsNanFiguresAndTheHandTaskBitForBit() {
    TaskObservation o =
        TaskObservations.of(
            TaskObservationsTest.handTask(Variant.EVASIVE, "t1"), ObservationOptions.DEFAULT);
    TaskObservation back = TaskObservation.fromBytes(o.toBytes());
    assertEquals(o, back);
    assertTrue(Double.isNaN(back.layers().get(2).drift().nextQEnd()));
    assertEquals(o.layers().get(1).distanceZ(), back.layers().get(1).distanceZ());
    assertEquals("claims_ignorance", back.labels().family());
  }

  @Test
  void anUnknownVersionIsRefused() {
    byte[] bytes =
        TaskObservations.of(
                TaskObservationsTest.handTask(Variant.DIRECT, "t1"), ObservationOptions.DEFAULT)
            .toBytes();
    bytes[0] = 99;
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> TaskObservation.fromBytes(bytes));
    assertTrue(e.getMessage().contains("version 99"), e.getMessage());
  }

  @Test
  void theDtypeTravelsAndVersion2BytesReadAsFp32() {
    List<LayerResult> task =
        TaskObservationsTest.handTask(Variant.DIRECT, "t1").stream()
            .map(r -> TestResults.inDtype(r, "bf16"))
            .toList();
    TaskObservation o = TaskObservations.of(task, ObservationOptions.DEFAULT);
    assertEquals("bf16", TaskObservation.fromBytes(o.toBytes()).dtype());

    // Version 2 had no dtype: the same bytes without it (a length and 4 UTF-8 bytes after the
    // model id) and with version byte 2 are an fp32 observation, equal in every other field.
    byte[] v3 = o.toBytes();
    int at = 1;
    for (String s : List.of(o.runId(), o.taskId(), o.itemId())) {
      at += 4 + s.getBytes(StandardCharsets.UTF_8).length;
    }
    at += 8 + 4 + o.modelId().getBytes(StandardCharsets.UTF_8).length;
    byte[] v2 = new byte[v3.length - 8];
    System.arraycopy(v3, 0, v2, 0, at);
    System.arraycopy(v3, at + 8, v2, at, v3.length - at - 8);
    v2[0] = 2;
    TaskObservation old = TaskObservation.fromBytes(v2);
    assertEquals("fp32", old.dtype());
    assertEquals(o.layers(), old.layers());
    assertEquals(o.tokens(), old.tokens());
  }

  @Test
  void aTaskWhoseResultsNameTwoDtypesIsRefused() {
    List<LayerResult> task = new ArrayList<>(TaskObservationsTest.handTask(Variant.DIRECT, "t1"));
    task.set(0, TestResults.inDtype(task.get(0), "bf16"));
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> TaskObservations.of(task, ObservationOptions.DEFAULT));
    assertTrue(e.getMessage().contains("dtype"), e.getMessage());
  }

  @Test
  void truncatedOrPaddedBytesAreRefused() {
    byte[] bytes =
        TaskObservations.of(
                TaskObservationsTest.handTask(Variant.DIRECT, "t1"), ObservationOptions.DEFAULT)
            .toBytes();
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> TaskObservation.fromBytes(Arrays.copyOf(bytes, bytes.length - 3)));
    assertTrue(e.getMessage().contains("end early"), e.getMessage());
    e =
        assertThrows(
            IllegalArgumentException.class,
            () -> TaskObservation.fromBytes(Arrays.copyOf(bytes, bytes.length + 2)));
    assertTrue(e.getMessage().contains("left over"), e.getMessage());
  }

  @Test
  void vectorsDominateTheSizeAndDroppingThemShrinksIt() {
    List<LayerResult> task = SyntheticRun.results(5, 1, 4).get(0);
    int with = TaskObservations.of(task, ObservationOptions.DEFAULT).toBytes().length;
    int without = TaskObservations.of(task, new ObservationOptions(0, 0, 8, -1)).toBytes().length;
    assertTrue(without < with, without + " < " + with);
  }
}
