package dev.saescope.runtime.tokenizer;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.djl.huggingface.tokenizers.jni.CharSpan;
import dev.saescope.runtime.config.ModelConfig;
import dev.saescope.runtime.weights.WeightsException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Gemma tokenizer read from a {@code tokenizer.json} with DJL's Hugging Face tokenizers.
 *
 * <p>BOS: Gemma models expect exactly one {@code <bos>} at position 0 ({@code
 * GemmaTokenizerFast(add_bos_token=True)}, GEMMA-NOTES.md §6; SAELens' Gemma Scope configs use
 * {@code prepend_bos: True}). The text is encoded without the tokenizer's own special tokens and
 * {@code <bos>} is prepended unless the text already starts with it, so the result does not depend
 * on whether a given {@code tokenizer.json} carries a BOS post-processor, and is never doubled.
 *
 * <p>Thread-safe: DJL's encode and decode are safe to call concurrently.
 */
public final class GemmaTokenizer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(GemmaTokenizer.class);

  /**
   * Tokens a tokenizer may have beyond the model's embedding rows: Gemma 3 tokenizers add {@code
   * <image_soft_token>} (id 262144) to a 262144-row model (transformers issue #37011); such ids
   * never come out of text. A larger difference means a different vocabulary.
   */
  public static final int MAX_EXTRA_TOKENS = 128;

  private final Path file;
  private final HuggingFaceTokenizer hf;
  private final TokenizerVocab vocab;
  private final int bosId;
  private final int modelVocab;

  private GemmaTokenizer(
      Path file, HuggingFaceTokenizer hf, TokenizerVocab vocab, int bosId, int modelVocab) {
    this.file = file;
    this.hf = hf;
    this.vocab = vocab;
    this.bosId = bosId;
    this.modelVocab = modelVocab;
  }

  /**
   * Loads {@code tokenizerJson} for a model and checks that they belong together: the model's BOS
   * id must be the {@code <bos>} piece, and the vocabulary sizes must agree within {@link
   * #MAX_EXTRA_TOKENS}.
   *
   * @param modelOrigin the model's file or folder, named in errors
   */
  public static GemmaTokenizer load(Path tokenizerJson, ModelConfig config, Path modelOrigin)
      throws WeightsException {
    TokenizerVocab vocab = readVocab(tokenizerJson);
    String bosPiece = vocab.piece(config.bosId());
    if (!"<bos>".equals(bosPiece)) {
      throw new WeightsException(
          tokenizerJson,
          "id "
              + config.bosId()
              + " (bos_token_id of "
              + modelOrigin
              + ") is "
              + (bosPiece == null ? "not in the vocabulary" : "'" + bosPiece + "'")
              + ", expected '<bos>': this tokenizer does not belong to that model");
    }
    int diff = vocab.size() - config.vocabSize();
    if (diff > MAX_EXTRA_TOKENS || diff < -MAX_EXTRA_TOKENS) {
      throw new WeightsException(
          tokenizerJson,
          "vocabulary of "
              + vocab.size()
              + " tokens does not match the model's vocab_size "
              + config.vocabSize()
              + " ("
              + modelOrigin
              + "): this tokenizer does not belong to that model");
    }
    return new GemmaTokenizer(
        tokenizerJson, build(tokenizerJson), vocab, config.bosId(), config.vocabSize());
  }

  /** Loads a tokenizer without a model to check it against ({@code <bos>} must exist). */
  public static GemmaTokenizer load(Path tokenizerJson) throws WeightsException {
    TokenizerVocab vocab = readVocab(tokenizerJson);
    int bos = -1;
    for (int i = 0; i < vocab.size(); i++) {
      if ("<bos>".equals(vocab.piece(i))) {
        bos = i;
        break;
      }
    }
    if (bos < 0) {
      throw new WeightsException(tokenizerJson, "has no '<bos>' token: not a Gemma tokenizer");
    }
    return new GemmaTokenizer(tokenizerJson, build(tokenizerJson), vocab, bos, vocab.size());
  }

  private static TokenizerVocab readVocab(Path tokenizerJson) throws WeightsException {
    if (!Files.isRegularFile(tokenizerJson)) {
      throw new WeightsException(tokenizerJson, "tokenizer file does not exist");
    }
    return TokenizerVocab.read(tokenizerJson);
  }

  private static HuggingFaceTokenizer build(Path tokenizerJson) throws WeightsException {
    try {
      HuggingFaceTokenizer hf =
          HuggingFaceTokenizer.builder()
              .optTokenizerPath(tokenizerJson)
              .optAddSpecialTokens(false) // BOS is ours to add, see the class comment
              .optTruncation(
                  false) // a prompt is never cut silently; over-long ones are rejected upstream
              .optPadding(false) // batches are padded by the model runtime with attention masks
              .build();
      LOG.debug("loaded tokenizer {}", tokenizerJson);
      return hf;
    } catch (IOException | RuntimeException e) {
      throw new WeightsException(
          tokenizerJson, "DJL cannot load this tokenizer: " + e.getMessage(), e);
    }
  }

  /** The tokenizer file. */
  public Path file() {
    return file;
  }

  /** One more than the largest id the tokenizer knows. */
  public int vocabSize() {
    return vocab.size();
  }

  /** The {@code <bos>} id. */
  public int bosId() {
    return bosId;
  }

  /**
   * Tokenizes {@code text} with exactly one {@code <bos>} at position 0.
   *
   * @throws IllegalArgumentException if the text produces an id the model has no embedding for
   */
  public Tokens encode(String text) {
    Encoding enc = hf.encode(text, false, false);
    long[] raw = enc.getIds();
    CharSpan[] spans = enc.getCharTokenSpans();
    boolean hasBos = raw.length > 0 && raw[0] == bosId;
    int n = hasBos ? raw.length : raw.length + 1;
    int[] ids = new int[n];
    String[] pieces = new String[n];
    int[] start = new int[n];
    int[] end = new int[n];
    ids[0] = bosId;
    pieces[0] = "<bos>";
    int shift = hasBos ? 0 : 1;
    Utf16Offsets offsets = new Utf16Offsets(text);
    for (int i = hasBos ? 1 : 0; i < raw.length; i++) {
      long id = raw[i];
      if (id < 0 || id >= modelVocab) {
        throw new IllegalArgumentException(
            "text produces token id " + id + ", beyond the model's vocab_size " + modelVocab);
      }
      ids[i + shift] = (int) id;
      pieces[i + shift] = vocab.piece((int) id);
      CharSpan s = spans[i];
      start[i + shift] = s == null ? 0 : offsets.toUtf16(s.getStart());
      end[i + shift] = s == null ? 0 : offsets.toUtf16(s.getEnd());
    }
    return new Tokens(ids, pieces, start, end);
  }

  /** Whether {@code id} is in this tokenizer's vocabulary. */
  public boolean knows(int id) {
    return vocab.piece(id) != null;
  }

  /** The vocabulary piece of {@code id}, e.g. {@code ▁Paris}. */
  public String piece(int id) {
    String p = vocab.piece(id);
    if (p == null) {
      throw new IllegalArgumentException("token id " + id + " is not in " + file);
    }
    return p;
  }

  /** The text of one token as it would appear in output, e.g. {@code " Paris"}; specials kept. */
  public String decode(int id) {
    piece(id);
    return hf.decode(new long[] {id}, false);
  }

  /** The text of a sequence of ids; special tokens kept. */
  public String decode(int[] ids) {
    long[] l = new long[ids.length];
    for (int i = 0; i < ids.length; i++) {
      l[i] = ids[i];
    }
    return hf.decode(l, false);
  }

  @Override
  public void close() {
    hf.close();
  }

  /**
   * Converts the tokenizer's offsets, which count Unicode code points, to Java string indices,
   * which count UTF-16 units (they differ after any character outside the BMP, e.g. an emoji).
   */
  private static final class Utf16Offsets {
    private final String text;
    private final boolean bmpOnly;

    Utf16Offsets(String text) {
      this.text = text;
      this.bmpOnly = text.codePoints().allMatch(Character::isBmpCodePoint);
    }

    int toUtf16(int codePoints) {
      if (bmpOnly) {
        return Math.min(codePoints, text.length());
      }
      int cps = text.codePointCount(0, text.length());
      return text.offsetByCodePoints(0, Math.min(codePoints, cps));
    }
  }
}
