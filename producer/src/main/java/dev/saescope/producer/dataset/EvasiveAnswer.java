package dev.saescope.producer.dataset;

import java.util.Objects;

/**
 * An evasive answer a user supplied with an item (JSONL {@code evasive_answers}).
 *
 * @param family one of the six template families ({@code claims_ignorance}, ...) or any other name
 *     the user chose; {@code custom} when the user gave none
 * @param text the answer, used verbatim
 */
public record EvasiveAnswer(String family, String text) {
  public static final String CUSTOM_FAMILY = "custom";

  public EvasiveAnswer {
    Objects.requireNonNull(family, "family");
    Objects.requireNonNull(text, "text");
    if (family.isBlank() || text.isBlank()) {
      throw new IllegalArgumentException("evasive answer needs a non-blank family and text");
    }
  }
}
