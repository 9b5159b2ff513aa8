package dev.saescope.worker.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.saescope.producer.cli.ProduceCommand;
import dev.saescope.runtime.hub.KnownModel;
import dev.saescope.runtime.hub.SaescopeHome;
import dev.saescope.runtime.tokenizer.GemmaTokenizer;
import dev.saescope.schemas.DenseRows;
import dev.saescope.schemas.LatentRow;
import dev.saescope.schemas.LatentRows;
import dev.saescope.schemas.LayerResult;
import dev.saescope.schemas.LensSummary;
import dev.saescope.schemas.PromptTokens;
import dev.saescope.schemas.ResultParts;
import dev.saescope.schemas.ScoreRole;
import dev.saescope.schemas.TargetScore;
import dev.saescope.schemas.TaskLabels;
import dev.saescope.schemas.Variant;
import dev.saescope.schemas.serde.Codecs;
import dev.saescope.schemas.serde.ResultMessages;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * Results stay under the worker's message budget however long the task the producer makes: the
 * longest knowledge-neurons text, tokenized by the real Gemma tokenizer and sized for gemma-2-2b
 * with a 16k SAE, fits after splitting, and its parts join back. (Splitting and joining as such are
 * tested in schemas: {@code ResultPartsTest}, {@code ResultCodecTest}.)
 */
class ResultBudgetTest {
  private static final int LIMIT = WorkerSettings.DEFAULT_MAX_MESSAGE_BYTES;

  @Test
  void longestProducerTaskFits() throws Exception {
    Path data = repoRoot().resolve("datasets").resolve("knowledge-neurons");
    assertTrue(
        Files.isDirectory(data),
        "the committed dataset is missing at "
            + data
            + " (system property saescope.repoRoot="
            + System.getProperty("saescope.repoRoot")
            + ")");
    Path tokenizerJson =
        KnownModel.GEMMA_3_270M.dir(SaescopeHome.resolve()).resolve("tokenizer.json");
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
    assertTrue(!longest.isEmpty(), "the producer made no tasks from " + data);
    int tokens;
    try (GemmaTokenizer tok = GemmaTokenizer.load(tokenizerJson)) {
      tokens = tok.encode(longest).size();
    }
    LayerResult r = result(tokens, 2304, 16384, 80, 3);
    List<LayerResult> parts = new ArrayList<>();
    for (byte[] p : ResultMessages.encode(r, LIMIT)) {
      assertTrue(p.length <= LIMIT, tokens + "-token task: part of " + p.length + " bytes");
      parts.add(Codecs.layerResult().decode(p, "results", 0, 0));
    }
    assertEquals(r, ResultParts.join(parts));
  }

  /** The repository root: surefire's {@code saescope.repoRoot}, else the module's parent. */
  private static Path repoRoot() {
    String repo = System.getProperty("saescope.repoRoot");
    return Path.of(repo == null ? ".." : repo).toAbsolutePath().normalize();
  }

  /**
   * A result of the given size with random contents: all positions dense, {@code l0} latents each.
   */
  private static LayerResult result(int positions, int dModel, int dSae, int l0, long seed) {
    Random rnd = new Random(seed);
    int[] ids = new int[positions];
    List<String> texts = new ArrayList<>();
    int[] dense = new int[positions];
    float[] values = new float[positions * dModel];
    List<LatentRow> latents = new ArrayList<>();
    for (int p = 0; p < positions; p++) {
      ids[p] = rnd.nextInt(256000);
      texts.add("tok" + p);
      dense[p] = p;
      for (int c = 0; c < dModel; c++) {
        values[p * dModel + c] = (float) rnd.nextGaussian();
      }
      int[] idx = new int[l0];
      float[] val = new float[l0];
      int next = 0;
      for (int j = 0; j < l0; j++) {
        next += 1 + rnd.nextInt(dSae / l0 - 1);
        idx[j] = next;
        val[j] = rnd.nextFloat() * 10;
      }
      latents.add(new LatentRow(p, idx, val, rnd.nextFloat()));
    }
    return new LayerResult(
        "r",
        "t",
        "i",
        new TaskLabels("P36", Variant.DIRECT, null, false, "q:P36/0|p:0", List.of("Paris"), false),
        12,
        "resid_post",
        0,
        1,
        "gemma-2-2b",
        "s",
        "w",
        new PromptTokens(ids, texts, 0, 1, positions),
        new DenseRows(dense, dModel, values),
        new LatentRows(dSae, latents),
        List.of(new TargetScore(0, 1, ScoreRole.ANS0, -1f, 3, 0.5f)),
        List.of(new LensSummary(0, 5, 0.25f)),
        0f,
        0L);
  }
}
