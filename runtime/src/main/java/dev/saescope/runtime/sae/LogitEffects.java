package dev.saescope.runtime.sae;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.saescope.runtime.model.Precision;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Computes every latent's direct logit effect {@code W_dec[i] . W_U} in batches of latents on the
 * engine (the top-k and bottom-k over the vocabulary run there too, so only {@code 4k} numbers per
 * latent reach Java), and caches the result on disk keyed by the SAE's and the model's hashes.
 *
 * <p>It takes the unembedding as an array so it does not depend on the forward-pass class. Gemma
 * ties the unembedding to the embedding: {@code W_U = embed_tokens.weight^T}, see {@link
 * #fromEmbedding}.
 */
public final class LogitEffects {
  private static final Logger LOG = LoggerFactory.getLogger(LogitEffects.class);
  private static final int MAGIC = 0x53414c4c; // "SALL"
  private static final int VERSION = 1;

  /** Latents per engine batch: 64 x 262144 vocab x 4 bytes = 64 MB of scratch. */
  public static final int DEFAULT_LATENT_BATCH = 64;

  private LogitEffects() {}

  /**
   * Computes the effects for all latents.
   *
   * @param unembed {@code W_U} {@code [dModel, vocab]} on the engine, not closed
   * @param k tokens per side (10 for the latent cards)
   */
  public static List<LatentLogits> fromUnembedding(
      Sae sae, NDArray unembed, int k, int latentBatch) {
    long[] s = unembed.getShape().getShape();
    if (s.length != 2 || s[0] != sae.dIn()) {
      throw new IllegalArgumentException(
          "W_U must be [d_model="
              + sae.dIn()
              + ", vocab] for SAE "
              + sae.metadata().source()
              + ", got "
              + unembed.getShape());
    }
    if (k <= 0 || k > s[1]) {
      throw new IllegalArgumentException("k=" + k + " must be in [1, vocab=" + s[1] + "]");
    }
    List<LatentLogits> out = new ArrayList<>(sae.dSae());
    long t0 = System.nanoTime();
    for (int from = 0; from < sae.dSae(); from += latentBatch) {
      int to = Math.min(sae.dSae(), from + latentBatch);
      try (NDManager m = unembed.getManager().newSubManager()) {
        NDArray rows = sae.decoderRows(m, from, to); // [b, dModel]
        NDArray effects = rows.matMul(unembed); // [b, vocab]
        effects.attach(m);
        NDList top = effects.topK(k, 1, true, true);
        NDList bottom = effects.topK(k, 1, false, true);
        float[] tv = top.get(0).toFloatArray();
        long[] ti = top.get(1).toType(DataType.INT64, false).toLongArray();
        float[] bv = bottom.get(0).toFloatArray();
        long[] bi = bottom.get(1).toType(DataType.INT64, false).toLongArray();
        for (int r = 0; r < to - from; r++) {
          int[] topIds = new int[k];
          int[] botIds = new int[k];
          float[] topVals = new float[k];
          float[] botVals = new float[k];
          for (int j = 0; j < k; j++) {
            topIds[j] = (int) ti[r * k + j];
            topVals[j] = tv[r * k + j];
            botIds[j] = (int) bi[r * k + j];
            botVals[j] = bv[r * k + j];
          }
          out.add(new LatentLogits(from + r, topIds, topVals, botIds, botVals));
        }
      }
    }
    LOG.info(
        "logit effects of {} latents over a vocabulary of {} in {} ms",
        sae.dSae(),
        s[1],
        (System.nanoTime() - t0) / 1_000_000);
    return out;
  }

  /**
   * The same from a tied embedding matrix {@code [vocab, dModel]} (Gemma's {@code embed_tokens}),
   * transposed on the engine without a copy. The effects are computed in fp32 whatever the model's
   * precision (a bf16 or fp16 embedding is widened once for the call), so that they do not depend
   * on the precision of the worker that happens to publish them beyond the weights' rounding.
   */
  public static List<LatentLogits> fromEmbedding(
      Sae sae, NDArray embedding, int k, int latentBatch) {
    try (NDManager m = embedding.getManager().newSubManager()) {
      NDArray wU = embedding.transpose(); // [dModel, vocab]
      wU.attach(m);
      NDArray wU32 = Precision.fp32(wU);
      wU32.attach(m);
      return fromUnembedding(sae, wU32, k, latentBatch);
    }
  }

  /**
   * Reads the cache file for this SAE and model, or computes and writes it.
   *
   * @param dir where cache files live (next to the SAE when it is writable)
   * @param modelHash identifies the unembedding (e.g. a hash of the model's weights or its spec)
   * @param unembed supplies {@code W_U [dModel, vocab]} only when the cache misses
   */
  public static List<LatentLogits> cached(
      Sae sae, Path dir, String modelHash, int k, Supplier<NDArray> unembed) throws IOException {
    Path file = cacheFile(dir, sae.metadata().hash(), modelHash, k);
    if (Files.isRegularFile(file)) {
      try {
        List<LatentLogits> hit = read(file, sae.dSae(), k);
        LOG.info("logit effects from cache {}", file);
        return hit;
      } catch (IOException e) {
        LOG.warn("ignoring unreadable logit-effect cache {}: {}", file, e.getMessage());
      }
    }
    List<LatentLogits> computed = fromUnembedding(sae, unembed.get(), k, DEFAULT_LATENT_BATCH);
    Files.createDirectories(dir);
    write(file, computed, k);
    return computed;
  }

  /**
   * As {@link #cached} for a model with tied embeddings (Gemma): {@code embedding} supplies {@code
   * embed_tokens} {@code [vocab, dModel]}, e.g. {@code GemmaModel::embedding}; it is only read,
   * never closed.
   */
  public static List<LatentLogits> cachedFromEmbedding(
      Sae sae, Path dir, String modelHash, int k, Supplier<NDArray> embedding) throws IOException {
    Path file = cacheFile(dir, sae.metadata().hash(), modelHash, k);
    if (Files.isRegularFile(file)) {
      try {
        return read(file, sae.dSae(), k);
      } catch (IOException e) {
        LOG.warn("ignoring unreadable logit-effect cache {}: {}", file, e.getMessage());
      }
    }
    List<LatentLogits> computed = fromEmbedding(sae, embedding.get(), k, DEFAULT_LATENT_BATCH);
    Files.createDirectories(dir);
    write(file, computed, k);
    return computed;
  }

  /**
   * Where an SAE's logit-effect cache lives by default: next to the SAE (its folder, or the folder
   * of its {@code .npz}) when writable, except inside the Hugging Face cache, whose snapshots
   * belong to the hub tools; then {@code <saescope home>/latent-logits}.
   */
  public static Path defaultCacheDir(Path saePath) {
    Path dir = Files.isDirectory(saePath) ? saePath : saePath.toAbsolutePath().getParent();
    boolean inHubCache = dir != null && dir.toString().replace('\\', '/').contains("/snapshots/");
    if (dir != null && !inHubCache && Files.isWritable(dir)) {
      return dir;
    }
    return dev.saescope.runtime.hub.SaescopeHome.resolve().resolve("latent-logits");
  }

  /** {@code latent-logits-<saeHash>-<modelHash>-k<k>.bin}. */
  public static Path cacheFile(Path dir, String saeHash, String modelHash, int k) {
    String safeModel = modelHash.replaceAll("[^A-Za-z0-9._-]", "_");
    return dir.resolve("latent-logits-" + saeHash + "-" + safeModel + "-k" + k + ".bin");
  }

  static void write(Path file, List<LatentLogits> all, int k) throws IOException {
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    try (DataOutputStream out =
        new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(tmp), 1 << 20))) {
      out.writeInt(MAGIC);
      out.writeInt(VERSION);
      out.writeInt(all.size());
      out.writeInt(k);
      for (LatentLogits l : all) {
        for (int j = 0; j < k; j++) {
          out.writeInt(l.topTokens()[j]);
          out.writeFloat(l.topValues()[j]);
        }
        for (int j = 0; j < k; j++) {
          out.writeInt(l.bottomTokens()[j]);
          out.writeFloat(l.bottomValues()[j]);
        }
      }
    }
    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  static List<LatentLogits> read(Path file, int dSae, int k) throws IOException {
    try (DataInputStream in =
        new DataInputStream(new BufferedInputStream(Files.newInputStream(file), 1 << 20))) {
      if (in.readInt() != MAGIC || in.readInt() != VERSION) {
        throw new IOException(file + ": not a logit-effect cache of version " + VERSION);
      }
      int n = in.readInt();
      int kk = in.readInt();
      if (n != dSae || kk != k) {
        throw new IOException(
            file + ": holds " + n + " latents x k=" + kk + ", expected " + dSae + " x " + k);
      }
      List<LatentLogits> out = new ArrayList<>(n);
      for (int i = 0; i < n; i++) {
        int[] ti = new int[k];
        float[] tv = new float[k];
        int[] bi = new int[k];
        float[] bv = new float[k];
        for (int j = 0; j < k; j++) {
          ti[j] = in.readInt();
          tv[j] = in.readFloat();
        }
        for (int j = 0; j < k; j++) {
          bi[j] = in.readInt();
          bv[j] = in.readFloat();
        }
        out.add(new LatentLogits(i, ti, tv, bi, bv));
      }
      return out;
    } catch (EOFException e) {
      throw new IOException(file + ": truncated", e);
    }
  }
}
