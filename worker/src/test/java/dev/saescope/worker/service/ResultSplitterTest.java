package dev.saescope.worker.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.saescope.avro.LensSummary;
import dev.saescope.avro.SparseLatents;
import dev.saescope.avro.TaskResult;
import dev.saescope.avro.TokenScore;
import dev.saescope.avro.Variant;
import dev.saescope.producer.cli.ProduceCommand;
import dev.saescope.runtime.hub.KnownModel;
import dev.saescope.runtime.hub.SaescopeHome;
import dev.saescope.runtime.tokenizer.GemmaTokenizer;
import dev.saescope.schemas.serde.Codecs;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * Results stay under the 256 KiB budget however long the task, and split parts join back exactly.
 */
class ResultSplitterTest {
  private static final int LIMIT = WorkerSettings.DEFAULT_MAX_MESSAGE_BYTES;

  @Test
  void smallResultIsOneMessage() throws Exception {
    TaskResult r = result(12, 640, 16384, 32, 1);
    List<byte[]> parts = ResultSplitter.split(r, LIMIT);
    assertEquals(1, parts.size());
    assertEquals(r, decode(parts.get(0)));
  }

  @Test
  void gemma2bSizedResultSplitsUnderTheLimitAndJoinsBack() throws Exception {
    // gemma-2-2b: 2304-wide dense rows; a Gemma Scope 16k SAE with L0 ~ 80 at 120 positions.
    TaskResult r = result(120, 2304, 16384, 80, 2);
    assertTrue(Codecs.taskResult().encode(r).length > LIMIT, "the test result must need splitting");
    List<byte[]> parts = ResultSplitter.split(r, LIMIT);
    assertTrue(parts.size() > 1);
    List<TaskResult> decoded = new ArrayList<>();
    for (byte[] p : parts) {
      assertTrue(p.length <= LIMIT, "part of " + p.length + " bytes exceeds " + LIMIT);
      decoded.add(decode(p));
    }
    assertEquals(r, join(decoded));
  }

  /**
   * The longest text the producer makes from the knowledge-neurons data, tokenized by the real
   * Gemma tokenizer and sized for gemma-2-2b with a 16k SAE, fits after splitting.
   */
  @Test
  void longestProducerTaskFits() throws Exception {
    Path data =
        Path.of(
            System.getProperty("saescope.repoRoot", "."),
            "..",
            "shared",
            "data",
            "knowledge-neurons");
    Path tokenizerJson =
        KnownModel.GEMMA_3_270M.dir(SaescopeHome.resolve()).resolve("tokenizer.json");
    assumeTrue(Files.isDirectory(data), "no shared data at " + data);
    assumeTrue(
        Files.isRegularFile(tokenizerJson), "run: " + KnownModel.GEMMA_3_270M.fetchCommand());
    StringWriter out = new StringWriter();
    int rc =
        new CommandLine(new ProduceCommand())
            .setOut(new PrintWriter(out))
            .execute(
                "--dataset",
                "knowledge-neurons",
                "--data",
                data.toString(),
                "--dry-run",
                "--quiet");
    assertEquals(0, rc);
    ObjectMapper json = new ObjectMapper();
    String longest = "";
    for (String line : out.toString().split("\n")) {
      String text = json.readTree(line).path("text").asText();
      if (text.length() > longest.length()) {
        longest = text;
      }
    }
    int tokens;
    try (GemmaTokenizer tok = GemmaTokenizer.load(tokenizerJson)) {
      tokens = tok.encode(longest).size();
    }
    TaskResult r = result(tokens, 2304, 16384, 80, 3);
    for (byte[] p : ResultSplitter.split(r, LIMIT)) {
      assertTrue(p.length <= LIMIT, tokens + "-token task: part of " + p.length + " bytes");
    }
  }

  private static TaskResult decode(byte[] b) throws Exception {
    return Codecs.taskResult().decode(b, "results", 0, 0);
  }

  /** Joins parts in order: the inverse of the splitter, as a reader would do it. */
  private static TaskResult join(List<TaskResult> parts) {
    TaskResult first = parts.get(0);
    List<Integer> positions = new ArrayList<>();
    List<SparseLatents> latents = new ArrayList<>();
    int bytes = 0;
    for (TaskResult p : parts) {
      positions.addAll(p.getDensePositions());
      latents.addAll(p.getLatents());
      bytes += p.getDense().remaining();
    }
    ByteBuffer dense = ByteBuffer.allocate(bytes);
    for (TaskResult p : parts) {
      dense.put(p.getDense().duplicate());
    }
    return TaskResult.newBuilder(first)
        .setPart(0)
        .setParts(1)
        .setDensePositions(positions)
        .setDense(dense.flip())
        .setLatents(latents)
        .build();
  }

  /**
   * A result of the given size with random contents: all positions dense, {@code l0} latents each.
   */
  static TaskResult result(int positions, int dModel, int dSae, int l0, long seed) {
    Random rnd = new Random(seed);
    List<Integer> ids = new ArrayList<>();
    List<String> tokens = new ArrayList<>();
    List<Integer> dense = new ArrayList<>();
    List<SparseLatents> latents = new ArrayList<>();
    ByteBuffer buf = ByteBuffer.allocate(positions * dModel * 4).order(ByteOrder.LITTLE_ENDIAN);
    for (int p = 0; p < positions; p++) {
      ids.add(rnd.nextInt(256000));
      tokens.add("tok" + p);
      dense.add(p);
      for (int c = 0; c < dModel; c++) {
        buf.putFloat((float) rnd.nextGaussian());
      }
      List<Integer> idx = new ArrayList<>();
      List<Float> val = new ArrayList<>();
      int next = 0;
      for (int j = 0; j < l0; j++) {
        next += 1 + rnd.nextInt(dSae / l0 - 1);
        idx.add(next);
        val.add(rnd.nextFloat() * 10);
      }
      latents.add(new SparseLatents(p, idx, val, rnd.nextFloat()));
    }
    return TaskResult.newBuilder()
        .setRunId("r")
        .setTaskId("t")
        .setItemId("i")
        .setRelation("P36")
        .setVariant(Variant.direct)
        .setLayer(12)
        .setSite("resid_post")
        .setModelId("gemma-2-2b")
        .setSaeId("s")
        .setWorkerId("w")
        .setTokenIds(ids)
        .setTokens(tokens)
        .setQEnd(0)
        .setAnsStart(1)
        .setAnsEnd(positions)
        .setDensePositions(dense)
        .setDense(buf.flip())
        .setDModel(dModel)
        .setLatents(latents)
        .setDSae(dSae)
        .setScores(List.of(new TokenScore(0, 1, "ans0", -1f, 3, 0.5f)))
        .setLens(List.of(new LensSummary(0, 5, 0.25f)))
        .build();
  }
}
