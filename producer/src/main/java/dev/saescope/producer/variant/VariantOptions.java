package dev.saescope.producer.variant;

import dev.saescope.schemas.Variant;
import java.util.EnumSet;
import java.util.Objects;
import java.util.Set;

/**
 * What to build for each item.
 *
 * @param variants which variants to build
 * @param directForms which forms of the direct variant
 * @param questionsPerItem how many of the relation's question templates to use per item (each gets
 *     its own direct, evasive and counterfactual tasks); capped at the number there are
 * @param format how question and answer become the text
 * @param evasiveMention whether evasive answers mention the subject
 */
public record VariantOptions(
    Set<Variant> variants,
    Set<DirectForm> directForms,
    int questionsPerItem,
    TextFormat format,
    EvasiveMention evasiveMention) {
  public VariantOptions {
    Objects.requireNonNull(format, "format");
    Objects.requireNonNull(evasiveMention, "evasiveMention");
    if (variants.isEmpty()) {
      throw new IllegalArgumentException("no variant selected");
    }
    if (variants.contains(Variant.DIRECT) && directForms.isEmpty()) {
      throw new IllegalArgumentException("direct variants selected but no direct form");
    }
    if (questionsPerItem < 1) {
      throw new IllegalArgumentException(
          "questions per item must be >= 1, got " + questionsPerItem);
    }
    variants = Set.copyOf(EnumSet.copyOf(variants));
    directForms = directForms.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(directForms));
  }

  /** Options with evasive answers mentioning the subject half the time. */
  public VariantOptions(
      Set<Variant> variants, Set<DirectForm> directForms, int questionsPerItem, TextFormat format) {
    this(variants, directForms, questionsPerItem, format, EvasiveMention.RANDOM);
  }

  /** Every variant, short direct answers, one question per item, the base format. */
  public static VariantOptions defaults() {
    return new VariantOptions(
        EnumSet.allOf(Variant.class), EnumSet.of(DirectForm.QA), 1, TextFormat.BASE);
  }
}
