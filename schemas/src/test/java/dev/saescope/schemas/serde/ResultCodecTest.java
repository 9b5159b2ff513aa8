package dev.saescope.schemas.serde;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.saescope.avro.TaskResult;
import dev.saescope.schemas.DeadLetterReason;
import dev.saescope.schemas.LatentEffects;
import dev.saescope.schemas.LatentInfo;
import dev.saescope.schemas.LayerResult;
import dev.saescope.schemas.ResultParts;
import dev.saescope.schemas.ScoredTokens;
import dev.saescope.schemas.TargetScore;
import dev.saescope.schemas.TestResults;
import dev.saescope.schemas.Variant;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.message.BinaryMessageDecoder;
import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.avro.message.SchemaStore;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

/** Our result and latent-info records through the Avro edge, across TaskResult v1 and v2. */
class ResultCodecTest {
  private static final int LIMIT = 256 * 1024 - 4096; // the worker's default message budget

  @Test
  void resultRoundTripsThroughBytesForEveryField() throws Exception {
    LayerResult r = TestResults.random(7, 5, 64, 3, 1);
    byte[] bytes = Codecs.layerResult().encode(r);
    assertEquals(r, Codecs.layerResult().decode(bytes, "results", 0, 0));
    // the dense rows travel as float32 little-endian, row-major, as the schema documents
    TaskResult raw = Codecs.taskResult().decode(bytes, "results", 0, 0);
    var f = raw.getDense().duplicate().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
    assertEquals(7 * 5, f.remaining());
    assertEquals(r.dense().get(3, 4), f.get(3 * 5 + 4));
    assertEquals("gold0", raw.getScores().get(1).getRole());
    assertEquals("claims_ignorance", raw.getFamily());
    assertTrue(raw.getAnswerMentionsSubject());
  }

  @Test
  void aResultWithoutAnSaeOrAnswerRoundTrips() throws Exception {
    LayerResult r = TestResults.random(4, 3, 16, 2, 2);
    LayerResult bare =
        new LayerResult(
            r.runId(),
            r.taskId(),
            r.itemId(),
            new dev.saescope.schemas.TaskLabels(
                "P36", Variant.CLOZE, null, false, "pattern7", List.of("Paris"), false),
            r.layer(),
            "mlp_out",
            0,
            1,
            r.modelId(),
            null,
            r.workerId(),
            new dev.saescope.schemas.PromptTokens(r.tokens().ids(), r.tokens().texts(), 3, 4, 4),
            dev.saescope.schemas.DenseRows.none(3),
            dev.saescope.schemas.LatentRows.none(),
            List.of(),
            List.of(),
            0f,
            0L);
    assertEquals(bare, Codecs.layerResult().decode(Codecs.layerResult().encode(bare), "r", 0, 0));
  }

  @Test
  void v1WriterIsReadByTheCurrentReaderWithDefaults() throws Exception {
    Schema v1 = ReleasedSchemas.load("TaskResult").get(0);
    TaskResult current = ResultCodec.toAvro(TestResults.random(5, 4, 32, 2, 3));
    byte[] bytes =
        new BinaryMessageEncoder<GenericRecord>(GenericData.get(), v1)
            .encode(asVersion(current, v1))
            .array();

    LayerResult read = Codecs.layerResult().decode(bytes, "results", 0, 0);
    assertNull(read.labels().family());
    assertEquals("", read.labels().templateId());
    assertEquals(List.of(), read.labels().goldObjects());
    assertFalse(read.labels().objectInSubject());
    assertFalse(read.labels().answerMentionsSubject());
    assertFalse(read.labels().known(), "a v1 result says its labels are unknown");
    assertEquals(Variant.EVASIVE, read.labels().variant());
    assertEquals("P36", read.labels().relation());
    LayerResult want = ResultCodec.fromAvro(current);
    assertEquals(want.dense(), read.dense());
    assertEquals(want.latents(), read.latents());
    assertEquals(want.tokens(), read.tokens());
    for (int i = 0; i < want.scores().size(); i++) { // v1 had no attribution ranks
      TargetScore w = want.scores().get(i);
      TargetScore g = read.scores().get(i);
      assertEquals(
          List.of(w.position(), w.tokenId(), w.role(), w.lensLogprob(), w.lensRank()),
          List.of(g.position(), g.tokenId(), g.role(), g.lensLogprob(), g.lensRank()));
      assertEquals(-1, g.attributionRank());
    }
    assertEquals(want.lens(), read.lens());
  }

  @Test
  void v2WriterIsReadWithoutLatentTargetsTaskSizeOrRanksAndAsFp32() throws Exception {
    Schema v2 = ReleasedSchemas.load("TaskResult").get(1);
    LayerResult r = TestResults.random(5, 4, 32, 2, 3);
    TaskResult current = ResultCodec.toAvro(r);
    byte[] bytes =
        new BinaryMessageEncoder<GenericRecord>(GenericData.get(), v2)
            .encode(asVersion(current, v2))
            .array();

    LayerResult read = Codecs.layerResult().decode(bytes, "results", 0, 0);
    assertEquals(List.of(), read.latentTargets());
    assertEquals(0, read.resultsPerTask(), "0 = unknown task size");
    assertEquals("fp32", read.dtype());
    assertEquals(-1, read.scores().get(0).attributionRank());
    assertEquals(r.scores().get(0).lensRank(), read.scores().get(0).lensRank());
    assertEquals(r.labels(), read.labels());
    // and the current writer carries them
    assertEquals(3, r.resultsPerTask());
    assertEquals(r, Codecs.layerResult().decode(Codecs.layerResult().encode(r), "results", 0, 0));
    assertEquals(1, r.latentTargets().size());
    assertEquals(12, r.scores().get(0).attributionRank());
  }

  @Test
  void currentWriterIsReadByAV1Reader() throws Exception {
    LayerResult r = TestResults.random(5, 4, 32, 2, 4);
    byte[] bytes = Codecs.layerResult().encode(r);
    Schema v1 = ReleasedSchemas.load("TaskResult").get(0);
    SchemaStore.Cache store = new SchemaStore.Cache();
    ReleasedSchemas.load("TaskResult").forEach(store::addSchema);
    GenericRecord asV1 =
        new BinaryMessageDecoder<GenericRecord>(GenericData.get(), v1, store).decode(bytes);
    assertEquals("t", asV1.get("task_id").toString());
    assertEquals(r.tokens().size(), ((List<?>) asV1.get("token_ids")).size());
    assertFalse(asV1.hasField("template_id"), "a v1 reader skips the v2 fields");
    // the released v3 is what this code writes
    List<Schema> released = ReleasedSchemas.load("TaskResult");
    assertEquals(3, released.size());
    assertEquals(
        AvroFormat.fingerprint(released.get(2)),
        AvroFormat.fingerprint(Codecs.taskResult().format().currentSchema()));
  }

  @Test
  void denseBytesThatDoNotMatchTheRowsAreRefusedNamingTheResult() {
    TaskResult raw = ResultCodec.toAvro(TestResults.random(3, 2, 16, 2, 6));
    raw.setDensePositions(List.of(0, 1));
    raw.setDense(floats(1, 0, 1)); // 3 floats for 2 rows of 2
    byte[] bytes = Codecs.taskResult().encode(raw);
    DecodeException e =
        assertThrows(
            DecodeException.class, () -> Codecs.layerResult().decode(bytes, "results", 2, 9));
    assertEquals(DecodeFailure.INVALID, e.failure());
    assertTrue(e.getMessage().contains("topic results partition 2 offset 9"), e.getMessage());
    assertTrue(e.getMessage().contains("result of task t layer 12 resid_post part 0 of 1"));
    assertTrue(e.getMessage().contains("dense holds 3 floats for 2 rows of 2"), e.getMessage());

    raw.setDense(ByteBuffer.wrap(new byte[10]));
    byte[] odd = Codecs.taskResult().encode(raw);
    e = assertThrows(DecodeException.class, () -> Codecs.layerResult().decode(odd, "r", 0, 0));
    assertTrue(e.getMessage().contains("10 bytes, not a whole number of float32"));
  }

  @Test
  void anUnknownScoreRoleIsInvalid() {
    TaskResult raw = ResultCodec.toAvro(TestResults.random(3, 2, 16, 2, 7));
    raw.getScores().get(0).setRole("sideways");
    byte[] bytes = Codecs.taskResult().encode(raw);
    DecodeException e =
        assertThrows(DecodeException.class, () -> Codecs.layerResult().decode(bytes, "r", 0, 1));
    assertEquals(DecodeFailure.INVALID, e.failure());
    assertTrue(e.getMessage().contains("unknown score role 'sideways'"), e.getMessage());
  }

  @Test
  void aLargeResultIsEncodedInPartsUnderTheBudgetThatJoinBack() throws Exception {
    // gemma-2-2b: 2304-wide dense rows; a Gemma Scope 16k SAE with L0 ~ 80 at 120 positions.
    LayerResult r = TestResults.random(120, 2304, 16384, 80, 2);
    assertTrue(Codecs.layerResult().encode(r).length > LIMIT, "the test result must need parts");
    List<byte[]> messages = ResultMessages.encode(r, LIMIT);
    assertTrue(messages.size() > 1);
    List<LayerResult> parts = new java.util.ArrayList<>();
    for (byte[] m : messages) {
      assertTrue(m.length <= LIMIT, "part of " + m.length + " bytes exceeds " + LIMIT);
      parts.add(Codecs.layerResult().decode(m, "results", 0, 0));
    }
    assertEquals(r, ResultParts.join(parts));
  }

  @Test
  void aSmallResultIsOneMessage() throws Exception {
    LayerResult r = TestResults.random(12, 640, 16384, 32, 1);
    List<byte[]> messages = ResultMessages.encode(r, LIMIT);
    assertEquals(1, messages.size());
    assertEquals(r, Codecs.layerResult().decode(messages.get(0), "results", 0, 0));
  }

  @Test
  void latentInfoRoundTrips() throws Exception {
    LatentInfo info =
        new LatentInfo(
            "sae-1234abcd",
            "gemma-3-270m",
            6,
            "resid_post",
            1024,
            256,
            List.of(
                new LatentEffects(
                    256,
                    new ScoredTokens(
                        new int[] {5, 9}, List.of(" Paris", "<b>"), new float[] {2, 1}),
                    new ScoredTokens(new int[] {7}, List.of(" the"), new float[] {-3}))));
    assertEquals("sae-1234abcd/256", info.key());
    byte[] bytes = Codecs.latentInfo().encode(info);
    assertEquals(info, Codecs.latentInfo().decode(bytes, "latent-info", 0, 0));
    var raw = Codecs.formatOf(bytes).orElseThrow().decode(bytes, "latent-info", 0, 0);
    assertEquals("LatentInfo", raw.getSchema().getName());
  }

  @Test
  void deadLettersKeepTheRecordsBytesAndOurReason() throws Exception {
    byte[] value = {1, 2, 3};
    ConsumerRecord<String, byte[]> r = new ConsumerRecord<>("saescope.tasks", 3, 44L, "k", value);
    byte[] bytes = DeadLetters.encode(DeadLetterReason.TOO_LONG, "too long", r, "worker", "w", 9L);
    var back = Codecs.deadLetter().decode(bytes, "saescope.dead-letter", 0, 0);
    assertEquals(dev.saescope.avro.DeadLetterReason.TOO_LONG, back.getReason());
    assertEquals(44L, back.getOffset());
    assertEquals(ByteBuffer.wrap(value), back.getValue());
    assertEquals(ByteBuffer.wrap("k".getBytes(StandardCharsets.UTF_8)), back.getKey());
    for (DeadLetterReason reason : DeadLetterReason.values()) {
      byte[] b = DeadLetters.encode(reason, "d", r, "worker", "w", 9L);
      assertEquals(reason.name(), Codecs.deadLetter().decode(b, "d", 0, 0).getReason().name());
    }
  }

  @Test
  void variantsMapOneToOneToTheAvroEnum() {
    for (Variant v : Variant.values()) {
      assertEquals(v, VariantCodec.fromAvro(VariantCodec.toAvro(v)));
      assertEquals(v.wireName(), VariantCodec.toAvro(v).name());
    }
  }

  private static ByteBuffer floats(float... values) {
    ByteBuffer buf = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
    for (float v : values) {
      buf.putFloat(v);
    }
    return buf.flip();
  }

  /** {@code current} as a record of an older released schema, by Avro's own resolution. */
  private static GenericRecord asVersion(TaskResult current, Schema old) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    BinaryEncoder enc = EncoderFactory.get().binaryEncoder(out, null);
    new SpecificDatumWriter<>(TaskResult.class).write(current, enc);
    enc.flush();
    return new GenericDatumReader<GenericRecord>(current.getSchema(), old)
        .read(null, DecoderFactory.get().binaryDecoder(out.toByteArray(), null));
  }
}
