package dev.saescope.runtime.tokenizer;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.saescope.runtime.weights.WeightsException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * The id to piece table of a {@code tokenizer.json}: the model's vocabulary ({@code model.vocab}, a
 * map for BPE/WordLevel/WordPiece, a list of {@code [piece, score]} for Unigram) plus {@code
 * added_tokens}. DJL's tokenizer does not expose it, and it is needed to size-check the tokenizer
 * against the model and to show raw pieces. Read with a streaming parser: Gemma's file is 33 MB.
 *
 * @param pieces piece of each id; null where an id is unused
 * @param modelType {@code model.type}, e.g. {@code BPE}
 */
public record TokenizerVocab(String[] pieces, String modelType) {

  /** One more than the largest id. */
  public int size() {
    return pieces.length;
  }

  /** The piece of {@code id}, or null. */
  public String piece(int id) {
    return id >= 0 && id < pieces.length ? pieces[id] : null;
  }

  /** Reads {@code file}. */
  public static TokenizerVocab read(Path file) throws WeightsException {
    Map<Integer, String> byId = new HashMap<>(1 << 19);
    String type = "";
    try (JsonParser p = new JsonFactory().createParser(file.toFile())) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        throw new WeightsException(file, "not a JSON object");
      }
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String field = p.currentName();
        JsonToken value = p.nextToken();
        switch (field) {
          case "added_tokens" -> readAdded(file, p, value, byId);
          case "model" -> type = readModel(file, p, value, byId);
          default -> p.skipChildren();
        }
      }
    } catch (WeightsException e) {
      throw e;
    } catch (IOException e) {
      throw new WeightsException(file, "cannot read tokenizer.json: " + e.getMessage(), e);
    }
    if (byId.isEmpty()) {
      throw new WeightsException(
          file, "no vocabulary ('model.vocab' and 'added_tokens' are empty)");
    }
    int max = byId.keySet().stream().mapToInt(Integer::intValue).max().orElseThrow();
    String[] pieces = new String[max + 1];
    byId.forEach((id, piece) -> pieces[id] = piece);
    return new TokenizerVocab(pieces, type);
  }

  private static void readAdded(Path file, JsonParser p, JsonToken value, Map<Integer, String> out)
      throws IOException {
    if (value != JsonToken.START_ARRAY) {
      throw new WeightsException(file, "field 'added_tokens' is not an array");
    }
    while (p.nextToken() == JsonToken.START_OBJECT) {
      Integer id = null;
      String content = null;
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String f = p.currentName();
        p.nextToken();
        switch (f) {
          case "id" -> id = p.getIntValue();
          case "content" -> content = p.getText();
          default -> p.skipChildren();
        }
      }
      if (id == null || content == null || id < 0) {
        throw new WeightsException(file, "an entry of 'added_tokens' lacks 'id' or 'content'");
      }
      out.put(id, content);
    }
  }

  private static String readModel(
      Path file, JsonParser p, JsonToken value, Map<Integer, String> out) throws IOException {
    if (value != JsonToken.START_OBJECT) {
      throw new WeightsException(file, "field 'model' is not an object");
    }
    String type = "";
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String f = p.currentName();
      JsonToken v = p.nextToken();
      if (f.equals("type")) {
        type = p.getText();
      } else if (f.equals("vocab") && v == JsonToken.START_OBJECT) {
        while (p.nextToken() == JsonToken.FIELD_NAME) {
          String piece = p.currentName();
          p.nextToken();
          int id = p.getIntValue();
          if (id < 0) {
            throw new WeightsException(file, "negative id " + id + " for piece '" + piece + "'");
          }
          out.putIfAbsent(id, piece);
        }
      } else if (f.equals("vocab") && v == JsonToken.START_ARRAY) {
        int id = 0; // Unigram: [[piece, score], ...], the id is the position
        while (p.nextToken() == JsonToken.START_ARRAY) {
          p.nextToken();
          out.putIfAbsent(id++, p.getText());
          while (p.nextToken() != JsonToken.END_ARRAY) {
            p.skipChildren();
          }
        }
      } else {
        p.skipChildren();
      }
    }
    return type;
  }
}
