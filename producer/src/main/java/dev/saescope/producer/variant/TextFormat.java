package dev.saescope.producer.variant;

import java.util.Objects;

/**
 * How a question and an answer become the text the model reads, e.g. the base-model format {@code
 * "Question: {question}\nAnswer: {answer}"} (EXPERIMENTS.md §1). {@code {question}} and {@code
 * {answer}} appear exactly once each, the question first; text after {@code {answer}} (a chat
 * template's end-of-turn) is allowed.
 *
 * <p>The separator before {@code {answer}} (here {@code "Answer: "}) belongs to the format, so
 * {@code answerStart} points at the answer's first character; a SentencePiece tokenizer puts the
 * preceding space into the answer's first token, which the worker accounts for.
 *
 * @param name preset name, or {@code custom}
 * @param template the format with its two placeholders
 */
public record TextFormat(String name, String template) {
  public static final String QUESTION = "{question}";
  public static final String ANSWER = "{answer}";

  /** For base models: the format of EXPERIMENTS.md §1. */
  public static final TextFormat BASE =
      new TextFormat("base", "Question: {question}\nAnswer: {answer}");

  /**
   * For Gemma instruction-tuned models: their chat turns (Gemma's chat template in its
   * tokenizer_config.json), without BOS, which the worker adds.
   */
  public static final TextFormat GEMMA_CHAT =
      new TextFormat(
          "gemma-chat",
          "<start_of_turn>user\n{question}<end_of_turn>\n<start_of_turn>model\n{answer}");

  public TextFormat {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(template, "template");
    int q = template.indexOf(QUESTION);
    int a = template.indexOf(ANSWER);
    if (q < 0
        || a < 0
        || template.indexOf(QUESTION, q + 1) >= 0
        || template.indexOf(ANSWER, a + 1) >= 0
        || a < q + QUESTION.length()) {
      throw new IllegalArgumentException(
          "text format must hold {question} and then {answer}, each exactly once: \""
              + template.replace("\n", "\\n")
              + "\"");
    }
  }

  /**
   * A preset by name ({@code base}, {@code gemma-chat}) or a literal format, where the two
   * characters {@code \n} stand for a newline so a shell user can type one.
   */
  public static TextFormat parse(String spec) {
    return switch (spec) {
      case "base" -> BASE;
      case "gemma-chat" -> GEMMA_CHAT;
      default -> new TextFormat("custom", spec.replace("\\n", "\n"));
    };
  }

  /**
   * A rendered text.
   *
   * @param text what the model reads
   * @param answerStart UTF-16 offset of the answer in {@code text}
   */
  public record Rendered(String text, int answerStart) {}

  /**
   * Splices the parts in place of the placeholders (never a string replace: the question may itself
   * contain "{answer}").
   */
  public Rendered render(String question, String answer) {
    int q = template.indexOf(QUESTION);
    int a = template.indexOf(ANSWER);
    String head =
        template.substring(0, q) + question + template.substring(q + QUESTION.length(), a);
    return new Rendered(head + answer + template.substring(a + ANSWER.length()), head.length());
  }
}
