package dev.saescope.schemas.serde;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.saescope.avro.DeadLetterReason;
import dev.saescope.avro.PromptTask;
import dev.saescope.schemas.Task;
import dev.saescope.schemas.TestTasks;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Random;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.message.BinaryMessageDecoder;
import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.avro.message.SchemaStore;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

/** Single-object encoding across schema versions, and every way bytes can be bad. */
class SerdeTest {
  @Test
  void taskRoundTripsThroughBytes() throws Exception {
    Task t = TestTasks.evasive();
    byte[] bytes = Codecs.task().encode(t);
    assertEquals((byte) 0xC3, bytes[0]);
    assertEquals((byte) 0x01, bytes[1]);
    assertEquals(t, Codecs.task().decode(bytes, "tasks", 0, 0));
  }

  @Test
  void olderWriterIsReadByCurrentReader() throws Exception {
    Schema v0 = TestSchemas.load("v0");
    GenericRecord old = new GenericData.Record(v0);
    PromptTask current = TaskCodec.toAvro(TestTasks.direct());
    for (Schema.Field f : v0.getFields()) {
      Object value = current.get(f.name());
      old.put(
          f.name(),
          f.name().equals("variant")
              ? new GenericData.EnumSymbol(f.schema(), value.toString())
              : value);
    }
    byte[] bytes =
        new BinaryMessageEncoder<GenericRecord>(GenericData.get(), v0).encode(old).array();

    // Our released store does not know this imagined v0: a clear "unknown schema" error.
    DecodeException unknown =
        assertThrows(DecodeException.class, () -> Codecs.task().decode(bytes, "tasks", 3, 42));
    assertEquals(DecodeFailure.UNKNOWN_SCHEMA, unknown.failure());
    assertTrue(unknown.getMessage().contains("unknown schema"), unknown.getMessage());
    assertTrue(
        unknown.getMessage().contains("topic tasks partition 3 offset 42"), unknown.getMessage());
    assertEquals(
        dev.saescope.schemas.DeadLetterReason.UNKNOWN_SCHEMA, unknown.failure().deadLetterReason());

    // A store that holds v0 resolves it: the fields v0 lacks take their defaults.
    AvroFormat<PromptTask> withV0 = AvroFormat.of(PromptTask.class, List.of(v0));
    PromptTask read = withV0.decode(bytes, "tasks", 0, 0);
    assertEquals(current.getQuestion(), read.getQuestion());
    assertEquals(List.of(), read.getSaeIds());
    assertEquals(0L, read.getCreatedAtMs());
    assertEquals(false, read.getObjectInSubject());
  }

  @Test
  void newerWriterIsReadByCurrentReaderAndCurrentWriterByNewerReader() throws Exception {
    Schema v2 = TestSchemas.load("v2");
    PromptTask current = TaskCodec.toAvro(TestTasks.cloze());

    GenericRecord newer = new GenericData.Record(v2);
    for (Schema.Field f : v2.getFields()) {
      if (f.name().equals("priority")) {
        newer.put("priority", 7);
      } else {
        Object value = current.get(f.name());
        newer.put(
            f.name(),
            f.name().equals("variant")
                ? new GenericData.EnumSymbol(f.schema(), value.toString())
                : value);
      }
    }
    byte[] newBytes =
        new BinaryMessageEncoder<GenericRecord>(GenericData.get(), v2).encode(newer).array();
    AvroFormat<PromptTask> knowsV2 =
        AvroFormat.of(PromptTask.class, List.of(ReleasedSchemas.load("PromptTask").get(0), v2));
    assertEquals(current, knowsV2.decode(newBytes, "tasks", 0, 0), "the unknown field is skipped");

    // A v2 reader (a future saescope) reads what today's code writes; priority takes its default.
    byte[] currentBytes = Codecs.promptTask().encode(current);
    SchemaStore.Cache store = new SchemaStore.Cache();
    ReleasedSchemas.load("PromptTask").forEach(store::addSchema);
    GenericRecord asV2 =
        new BinaryMessageDecoder<GenericRecord>(GenericData.get(), v2, store).decode(currentBytes);
    assertEquals(0, asV2.get("priority"));
    assertEquals(current.getText(), asV2.get("text").toString());
  }

  @Test
  void garbageBytesNameTopicPartitionOffset() {
    byte[] garbage = "{\"not\": \"avro\"}".getBytes(java.nio.charset.StandardCharsets.UTF_8);
    DecodeException e =
        assertThrows(
            DecodeException.class, () -> Codecs.task().decode(garbage, "saescope.tasks", 2, 1234));
    assertEquals(DecodeFailure.BAD_HEADER, e.failure());
    assertEquals("saescope.tasks", e.topic());
    assertEquals(2, e.partition());
    assertEquals(1234, e.offset());
    assertTrue(
        e.getMessage().contains("topic saescope.tasks partition 2 offset 1234"), e.getMessage());
    assertTrue(e.getMessage().contains("not an Avro single-object message"), e.getMessage());
  }

  @Test
  void emptyAndNullValuesAreErrorsNotCrashes() {
    assertEquals(
        DecodeFailure.BAD_HEADER,
        assertThrows(DecodeException.class, () -> Codecs.task().decode(new byte[0], "t", 0, 0))
            .failure());
    assertEquals(
        DecodeFailure.BAD_HEADER,
        assertThrows(DecodeException.class, () -> Codecs.task().decode(null, "t", 0, 0)).failure());
  }

  @Test
  void truncatedAndCorruptBodiesAreMalformed() throws Exception {
    byte[] good = Codecs.task().encode(TestTasks.direct());
    Random random = new Random(7);
    for (int cut = 10; cut < good.length; cut += 7) {
      byte[] truncated = java.util.Arrays.copyOf(good, cut);
      long offset = cut;
      DecodeException e =
          assertThrows(
              DecodeException.class, () -> Codecs.task().decode(truncated, "t", 0, offset));
      assertTrue(
          e.failure() == DecodeFailure.MALFORMED || e.failure() == DecodeFailure.INVALID,
          e.getMessage());
    }
    // Random bodies behind a valid header: never anything but a DecodeException (or, by luck, a
    // value).
    for (int i = 0; i < 500; i++) {
      byte[] corrupt = good.clone();
      for (int j = 10; j < corrupt.length; j++) {
        if (random.nextInt(4) == 0) {
          corrupt[j] = (byte) random.nextInt(256);
        }
      }
      try {
        Codecs.task().decode(corrupt, "t", 0, i);
      } catch (DecodeException expected) {
        assertTrue(expected.getMessage().contains("offset " + i));
      }
    }
  }

  @Test
  void hugeLengthPrefixIsRejectedWithoutAllocating() {
    byte[] header = Codecs.task().encode(TestTasks.direct());
    ByteBuffer b = ByteBuffer.allocate(20);
    b.put(header, 0, 10);
    // zig-zag varint of ~2^31: the run_id string "length"
    b.put(new byte[] {(byte) 0xFE, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, 0x0F});
    byte[] bytes = java.util.Arrays.copyOf(b.array(), b.position());
    DecodeException e =
        assertThrows(DecodeException.class, () -> Codecs.task().decode(bytes, "t", 0, 9));
    assertEquals(DecodeFailure.MALFORMED, e.failure());
  }

  @Test
  void aResultOnTheTaskTopicIsNamed() {
    byte[] fingerprintOfResult = new byte[10];
    fingerprintOfResult[0] = (byte) 0xC3;
    fingerprintOfResult[1] = 0x01;
    long fp = AvroFormat.fingerprint(ReleasedSchemas.load("TaskResult").get(0));
    ByteBuffer.wrap(fingerprintOfResult, 2, 8).order(java.nio.ByteOrder.LITTLE_ENDIAN).putLong(fp);
    DecodeException e =
        assertThrows(
            DecodeException.class, () -> Codecs.task().decode(fingerprintOfResult, "t", 0, 0));
    assertEquals(DecodeFailure.UNKNOWN_SCHEMA, e.failure());
    assertTrue(e.getMessage().contains("TaskResult v1"), e.getMessage());
  }

  @Test
  void invalidContentIsReportedAsInvalid() {
    PromptTask p = TaskCodec.toAvro(TestTasks.direct());
    p.setAnswerStart(0); // the answer is not at the start of the text
    byte[] bytes = Codecs.promptTask().encode(p);
    DecodeException e =
        assertThrows(DecodeException.class, () -> Codecs.task().decode(bytes, "tasks", 1, 5));
    assertEquals(DecodeFailure.INVALID, e.failure());
    assertEquals(dev.saescope.schemas.DeadLetterReason.INVALID, e.failure().deadLetterReason());
    assertTrue(e.getMessage().contains("answerStart"), e.getMessage());
  }

  @Test
  void kafkaDeserializerReturnsFailuresAsData() throws Exception {
    var deserializer = new MessageDeserializer<>(Codecs.task());
    var serializer = new MessageSerializer<>(Codecs.task());
    Task t = TestTasks.cloze();
    Decoded<Task> ok = deserializer.deserialize("tasks", serializer.serialize("tasks", t));
    assertEquals(t, assertInstanceOf(Decoded.Ok.class, ok).value());

    byte[] garbage = {1, 2, 3};
    Decoded<Task> bad = deserializer.deserialize("tasks", garbage);
    Decoded.Failed<Task> failed = assertInstanceOf(Decoded.Failed.class, bad);
    assertArrayEquals(garbage, failed.bytes());
    ConsumerRecord<String, Decoded<Task>> record = new ConsumerRecord<>("tasks", 4, 77L, "k", bad);
    DecodeException e = assertThrows(DecodeException.class, () -> Decoded.get(record));
    assertTrue(e.getMessage().contains("topic tasks partition 4 offset 77"), e.getMessage());
  }

  @Test
  void deadLetterKeepsBytesAndPlace() throws Exception {
    var deserializer = new MessageDeserializer<>(Codecs.task());
    byte[] garbage = {9, 9, 9, 9};
    ConsumerRecord<String, Decoded<Task>> record =
        new ConsumerRecord<>(
            "saescope.tasks",
            2,
            31L,
            "item-1",
            deserializer.deserialize("saescope.tasks", garbage));
    DecodeException e = assertThrows(DecodeException.class, () -> Decoded.get(record));
    var letter = DeadLetters.forRecord(record, e, "worker", "w-1", 123L);
    var back =
        Codecs.deadLetter()
            .decode(Codecs.deadLetter().encode(letter), "saescope.dead-letter", 0, 0);
    assertEquals(DeadLetterReason.UNDECODABLE, back.getReason());
    assertEquals("saescope.tasks", back.getTopic());
    assertEquals(2, back.getPartition());
    assertEquals(31L, back.getOffset());
    assertEquals(ByteBuffer.wrap(garbage), back.getValue());
    assertEquals(
        ByteBuffer.wrap("item-1".getBytes(java.nio.charset.StandardCharsets.UTF_8)), back.getKey());
    assertTrue(back.getDetail().contains("offset 31"), back.getDetail());
  }

  @Test
  void hugeArrayCountHitsTheCollectionLimit() throws Exception {
    byte[] header = java.util.Arrays.copyOf(Codecs.task().encode(TestTasks.direct()), 10);
    var out = new java.io.ByteArrayOutputStream();
    out.write(header);
    var enc = org.apache.avro.io.EncoderFactory.get().binaryEncoder(out, null);
    for (String s : List.of("run", "task", "item", "P36", "France")) {
      enc.writeString(s);
    }
    enc.writeLong(100_000_000L); // gold_objects block count: far above the 16 M item limit
    enc.flush();
    byte[] bytes = out.toByteArray();
    DecodeException e =
        assertThrows(DecodeException.class, () -> Codecs.task().decode(bytes, "t", 0, 1));
    assertEquals(DecodeFailure.MALFORMED, e.failure());
    assertInstanceOf(org.apache.avro.SystemLimitException.class, e.getCause(), e.getMessage());
  }
}
