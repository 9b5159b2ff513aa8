package dev.saescope.worker.service;

import dev.saescope.avro.SparseLatents;
import dev.saescope.avro.TaskResult;
import dev.saescope.schemas.serde.Codecs;
import dev.saescope.schemas.serde.MessageCodec;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * Splits a result whose encoding exceeds the message budget into parts. Each part keeps the
 * identifying fields and the tokens; the dense rows and the sparse latents are divided between the
 * parts in position order; scores and lens summaries travel in part 0. A reader joins the parts of
 * one (task, layer, site) by {@code part}/{@code parts}.
 */
final class ResultSplitter {
  private static final MessageCodec<TaskResult> CODEC = Codecs.taskResult();

  private ResultSplitter() {}

  /** The encoded parts of one result, each at most {@code maxBytes} where that is possible. */
  static List<byte[]> split(TaskResult result, int maxBytes) {
    byte[] whole = CODEC.encode(result);
    if (whole.length <= maxBytes) {
      return List.of(whole);
    }
    for (int parts = 2; ; parts++) {
      List<byte[]> encoded = new ArrayList<>(parts);
      boolean fits = true;
      for (int p = 0; p < parts; p++) {
        byte[] bytes = CODEC.encode(part(result, p, parts));
        fits &= bytes.length <= maxBytes;
        encoded.add(bytes);
      }
      int rows = Math.max(result.getDensePositions().size(), result.getLatents().size());
      if (fits || parts >= rows) {
        return encoded; // one row per part is as small as it gets
      }
    }
  }

  private static TaskResult part(TaskResult whole, int p, int parts) {
    TaskResult.Builder b = TaskResult.newBuilder(whole).setPart(p).setParts(parts);
    List<Integer> positions = whole.getDensePositions();
    int d = whole.getDModel();
    int from = slice(positions.size(), p, parts);
    int to = slice(positions.size(), p + 1, parts);
    ByteBuffer dense = whole.getDense().duplicate();
    int rowBytes = d * Float.BYTES;
    int base = dense.position();
    dense.limit(base + to * rowBytes).position(base + from * rowBytes);
    b.setDensePositions(new ArrayList<>(positions.subList(from, to)));
    b.setDense(dense.slice());
    List<SparseLatents> latents = whole.getLatents();
    b.setLatents(
        new ArrayList<>(
            latents.subList(slice(latents.size(), p, parts), slice(latents.size(), p + 1, parts))));
    if (p > 0) {
      b.setScores(new ArrayList<>());
      b.setLens(new ArrayList<>());
    }
    return b.build();
  }

  private static int slice(int n, int p, int parts) {
    return (int) ((long) n * p / parts);
  }
}
