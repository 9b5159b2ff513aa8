package dev.saescope.producer.variant;

import dev.saescope.producer.dataset.EvasiveAnswer;
import dev.saescope.producer.dataset.Item;
import dev.saescope.producer.dataset.Pattern;
import dev.saescope.producer.template.EvasiveFamily;
import dev.saescope.producer.template.Templates;
import dev.saescope.schemas.Task;
import dev.saescope.schemas.Variant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.function.LongSupplier;
import java.util.stream.Collectors;

/**
 * Turns one item into its tasks (EXPERIMENTS.md §1).
 *
 * <p>Per item, for each chosen question (one by default): one {@code direct} task per direct answer
 * (the first gold object unless the item brings its own), one {@code evasive} task per family, one
 * {@code counterfactual} task; then, once per item, a sentence-form {@code direct} task (if
 * enabled) and a {@code cloze} task. All variants of an item share the same question text, so the
 * question's representation is the same and only the answer differs: the paired comparison of E2a
 * needs exactly that.
 *
 * <p>Choices (question templates, evasive templates and whether they mention the subject, the
 * counterfactual object, the patterns) draw from generators seeded by (seed, item id, purpose): see
 * {@link Seeds}. Task ids hash (run id, item id, variant, template id), so they are stable for the
 * same inputs and unique within a run.
 */
public final class TaskBuilder {
  /** Text that must never reach a model: dataset placeholders. */
  public static final List<String> PLACEHOLDERS = List.of("[X]", "[Y]", "[MASK]");

  private static final int TASK_ID_HEX = 24;

  private final Templates templates;
  private final VariantOptions options;
  private final String runId;
  private final long seed;
  private final LongSupplier clock;

  /**
   * @param clock stamps {@code createdAtMs}; pass {@code () -> 0} where output must be
   *     byte-identical across runs
   */
  public TaskBuilder(
      Templates templates, VariantOptions options, String runId, long seed, LongSupplier clock) {
    this.templates = Objects.requireNonNull(templates, "templates");
    this.options = Objects.requireNonNull(options, "options");
    this.runId = Objects.requireNonNull(runId, "runId");
    this.seed = seed;
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  /** A chosen question: its text and id part, e.g. {@code q:P36/1} or {@code q:user/0}. */
  private record Question(String id, String text) {}

  /**
   * The tasks of one item.
   *
   * @param relationPatterns the dataset's patterns of the item's relation (the item's own patterns
   *     win when it has some)
   * @param counterfactualPool objects of the item's relation to draw a wrong answer from (gold
   *     objects are excluded here); no counterfactual task when nothing is left
   * @throws IllegalStateException if a text would contain a placeholder, naming the item
   */
  public List<Task> build(
      Item item, List<Pattern> relationPatterns, List<String> counterfactualPool) {
    List<Task> tasks = new ArrayList<>();
    long created = clock.getAsLong();
    List<Question> questions = chooseQuestions(item);
    List<EvasiveChoice> evasive = chooseEvasive(item);
    Optional<String> wrong = chooseCounterfactual(item, counterfactualPool);
    List<Pattern> patterns =
        item.overrides().patterns().isEmpty() ? relationPatterns : item.overrides().patterns();
    Set<Variant> on = options.variants();
    for (Question q : questions) {
      if (on.contains(Variant.DIRECT) && options.directForms().contains(DirectForm.QA)) {
        List<String> answers = item.overrides().directAnswers();
        boolean user = !answers.isEmpty();
        if (!user) {
          answers = List.of(item.goldObjects().get(0));
        }
        for (int i = 0; i < answers.size(); i++) {
          String tid = q.id() + "|a:" + (user ? "user" : "gold") + "/" + i;
          tasks.add(qa(item, Variant.DIRECT, null, tid, q.text(), answers.get(i), created));
        }
      }
      if (on.contains(Variant.EVASIVE)) {
        for (EvasiveChoice e : evasive) {
          tasks.add(
              qa(
                  item,
                  Variant.EVASIVE,
                  e.family(),
                  q.id() + "|" + e.id(),
                  q.text(),
                  e.text(),
                  created));
        }
      }
      if (on.contains(Variant.COUNTERFACTUAL)) {
        List<String> cfs = item.overrides().counterfactualAnswers();
        if (!cfs.isEmpty()) {
          for (int i = 0; i < cfs.size(); i++) {
            tasks.add(
                qa(
                    item,
                    Variant.COUNTERFACTUAL,
                    null,
                    q.id() + "|cf:user/" + i,
                    q.text(),
                    cfs.get(i),
                    created));
          }
        } else if (wrong.isPresent()) {
          tasks.add(
              qa(
                  item,
                  Variant.COUNTERFACTUAL,
                  null,
                  q.id() + "|cf:pool",
                  q.text(),
                  wrong.get(),
                  created));
        }
      }
    }
    if (on.contains(Variant.DIRECT) && options.directForms().contains(DirectForm.PATTERN)) {
      List<Pattern> eligible = patterns.stream().filter(Pattern::subjectFirst).toList();
      if (!eligible.isEmpty()) {
        Pattern p = pick(eligible, rng(item, "direct-pattern"));
        String object = item.goldObjects().get(0);
        Pattern.Filled f = p.fillLocated(item.subject(), object);
        tasks.add(
            task(
                item,
                Variant.DIRECT,
                null,
                "p:" + patternId(item, p),
                "",
                object,
                f.text(),
                f.objectStart(),
                created));
      }
    }
    if (on.contains(Variant.CLOZE)) {
      List<Pattern> eligible = patterns.stream().filter(Pattern::clozeEligible).toList();
      if (!eligible.isEmpty()) {
        Pattern p = pick(eligible, rng(item, "cloze"));
        String text = p.clozePrefix(item.subject()).orElseThrow();
        tasks.add(
            task(
                item,
                Variant.CLOZE,
                null,
                "c:" + patternId(item, p),
                "",
                "",
                text,
                text.length(),
                created));
      }
    }
    return tasks;
  }

  private String patternId(Item item, Pattern p) {
    return (item.overrides().patterns().isEmpty() ? p.relation() : "user") + "/" + p.index();
  }

  private List<Question> chooseQuestions(Item item) {
    List<String> own = item.overrides().questions();
    List<Question> out = new ArrayList<>();
    if (!own.isEmpty()) {
      for (int i = 0; i < own.size(); i++) {
        out.add(new Question("q:user/" + i, own.get(i)));
      }
      return out;
    }
    List<String> ts = templates.questionsOf(item.relation());
    if (ts.isEmpty()) {
      throw new IllegalStateException(
          "item " + item.itemId() + ": relation " + item.relation() + " has no question template");
    }
    List<Integer> order = new ArrayList<>();
    for (int i = 0; i < ts.size(); i++) {
      order.add(i);
    }
    // Fisher-Yates with our own generator: Collections.shuffle's use of Random is not ours to pin.
    SplittableRandom r = rng(item, "questions");
    for (int i = order.size() - 1; i > 0; i--) {
      int j = r.nextInt(i + 1);
      Integer t = order.get(i);
      order.set(i, order.get(j));
      order.set(j, t);
    }
    for (int k = 0; k < Math.min(options.questionsPerItem(), ts.size()); k++) {
      int i = order.get(k);
      out.add(
          new Question(
              "q:" + item.relation() + "/" + i, Templates.fill(ts.get(i), item.subject())));
    }
    return out;
  }

  /** One evasive answer: family, template id part, text. */
  private record EvasiveChoice(String family, String id, String text) {}

  private List<EvasiveChoice> chooseEvasive(Item item) {
    List<EvasiveChoice> out = new ArrayList<>();
    List<EvasiveAnswer> own = item.overrides().evasiveAnswers();
    if (!own.isEmpty()) {
      for (int i = 0; i < own.size(); i++) {
        out.add(new EvasiveChoice(own.get(i).family(), "e:user/" + i, own.get(i).text()));
      }
      return out;
    }
    for (EvasiveFamily f : EvasiveFamily.values()) {
      Templates.Evasive ev = templates.evasive().get(f);
      List<Boolean> kinds =
          switch (options.evasiveMention()) {
            case RANDOM -> List.of(rng(item, "evasive/" + f.wireName()).nextBoolean());
            case BOTH -> List.of(true, false);
            case WITH -> List.of(true);
            case WITHOUT -> List.of(false);
          };
      for (boolean mention : kinds) {
        // Separate generators per kind: BOTH picks the same templates as WITH and WITHOUT do.
        SplittableRandom pickR = rng(item, "evasive/" + f.wireName() + (mention ? "/s" : "/n"));
        List<String> pool = mention ? ev.withSubject() : ev.withoutSubject();
        int i = pickR.nextInt(pool.size());
        out.add(
            new EvasiveChoice(
                f.wireName(),
                "e:" + f.wireName() + "/" + (mention ? "s" : "n") + "/" + i,
                Templates.fill(pool.get(i), item.subject())));
      }
    }
    return out;
  }

  private Optional<String> chooseCounterfactual(Item item, List<String> pool) {
    Set<String> gold =
        item.goldObjects().stream()
            .map(o -> o.toLowerCase(Locale.ROOT))
            .collect(Collectors.toSet());
    List<String> wrong =
        pool.stream().filter(o -> !gold.contains(o.toLowerCase(Locale.ROOT))).toList();
    if (wrong.isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(pick(wrong, rng(item, "counterfactual")));
  }

  private SplittableRandom rng(Item item, String purpose) {
    return new SplittableRandom(Seeds.of(seed, item.itemId(), purpose));
  }

  private static <T> T pick(List<T> xs, SplittableRandom r) {
    return xs.get(r.nextInt(xs.size()));
  }

  private Task qa(
      Item item, Variant v, String family, String templateId, String q, String a, long created) {
    TextFormat.Rendered r = options.format().render(q, a);
    return task(item, v, family, templateId, q, a, r.text(), r.answerStart(), created);
  }

  private Task task(
      Item item,
      Variant v,
      String family,
      String templateId,
      String question,
      String answer,
      String text,
      int answerStart,
      long created) {
    for (String ph : PLACEHOLDERS) {
      if (text.contains(ph)) {
        throw new IllegalStateException(
            "item "
                + item.itemId()
                + ", template "
                + templateId
                + ": text contains "
                + ph
                + ": "
                + text);
      }
    }
    String taskId = Seeds.id(TASK_ID_HEX, runId, item.itemId(), v.wireName(), templateId);
    return new Task(
        runId,
        taskId,
        item.itemId(),
        item.relation(),
        item.subject(),
        item.goldObjects(),
        v,
        family,
        templateId,
        question,
        answer,
        text,
        answerStart,
        item.objectInSubject(),
        List.of(),
        created);
  }
}
