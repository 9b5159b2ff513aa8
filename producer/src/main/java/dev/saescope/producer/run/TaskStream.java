package dev.saescope.producer.run;

import dev.saescope.producer.dataset.Dataset;
import dev.saescope.producer.dataset.DatasetException;
import dev.saescope.producer.dataset.Item;
import dev.saescope.producer.dataset.ItemSource;
import dev.saescope.producer.dataset.JsonlItemStream;
import dev.saescope.producer.dataset.Pattern;
import dev.saescope.producer.template.Templates;
import dev.saescope.producer.variant.Seeds;
import dev.saescope.producer.variant.TaskBuilder;
import dev.saescope.schemas.Task;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.SplittableRandom;
import java.util.TreeSet;
import java.util.function.Consumer;

/**
 * Items of a source, filtered and turned into tasks one item at a time ({@link #next}).
 *
 * <p>A dataset read whole is filtered, ordered and limited up front: an unknown relation in the
 * filter or an empty selection is an error before anything is produced, and counterfactual answers
 * are drawn from each relation's objects in the whole dataset. Every selected item is also built
 * once up front, so a task too large to publish ({@link TaskSizeLimit}) is an error before the
 * first task. A stream is filtered item by item; its counterfactual pool grows with the objects
 * seen so far, and an item that cannot be built, or has a task too large, is skipped with a warning
 * (same policy as malformed lines).
 */
public final class TaskStream {
  private long plannedTasks = -1;
  private final TaskBuilder builder;
  private final ItemFilter filter;
  private final Consumer<String> warnings;
  private final TaskSizeLimit sizeLimit;
  // Whole dataset:
  private final Dataset dataset;
  private final Iterator<Item> selected;
  private final Map<String, List<String>> pools;
  private final int plannedItems;
  // Stream:
  private final JsonlItemStream stream;
  private final Map<String, LinkedHashSet<String>> seenObjects = new LinkedHashMap<>();
  private final Map<String, Long> streamedPerRelation = new LinkedHashMap<>();

  private long items;
  private long tasks;
  private long droppedObjectInSubject;
  private long skippedItems;

  private TaskStream(
      TaskBuilder builder,
      ItemFilter filter,
      Consumer<String> warnings,
      TaskSizeLimit sizeLimit,
      Dataset dataset,
      List<Item> selection,
      JsonlItemStream stream,
      long dropped) {
    this.builder = builder;
    this.filter = filter;
    this.warnings = warnings;
    this.sizeLimit = sizeLimit;
    this.dataset = dataset;
    this.selected = selection == null ? null : selection.iterator();
    this.plannedItems = selection == null ? -1 : selection.size();
    this.pools = dataset == null ? null : dataset.objectsByRelation();
    this.stream = stream;
    this.droppedObjectInSubject = dropped;
  }

  /**
   * As {@link #open(ItemSource, ItemFilter, TaskBuilder, Templates, TaskSizeLimit, Consumer)} with
   * Kafka's default record limit.
   */
  public static TaskStream open(
      ItemSource source,
      ItemFilter filter,
      TaskBuilder builder,
      Templates templates,
      Consumer<String> warnings)
      throws ProduceException {
    return open(source, filter, builder, templates, TaskSizeLimit.KAFKA_DEFAULT, warnings);
  }

  /**
   * Opens a run over a source.
   *
   * @param templates used to check {@code --relations} for streams (a dataset checks against its
   *     own relations)
   * @param sizeLimit the largest record a task may become
   * @param warnings receives a message per item a stream skips
   * @throws ProduceException for an unknown relation in the filter, when nothing is left, or when
   *     an item of a whole dataset cannot be built or has a task over {@code sizeLimit}
   */
  public static TaskStream open(
      ItemSource source,
      ItemFilter filter,
      TaskBuilder builder,
      Templates templates,
      TaskSizeLimit sizeLimit,
      Consumer<String> warnings)
      throws ProduceException {
    return switch (source) {
      case ItemSource.Whole w ->
          openWhole(w.dataset(), filter, builder, templates, sizeLimit, warnings);
      case ItemSource.Streamed s -> {
        checkRelations(filter, templates.relations(), "the question templates");
        yield new TaskStream(builder, filter, warnings, sizeLimit, null, null, s.stream(), 0);
      }
    };
  }

  private static TaskStream openWhole(
      Dataset d,
      ItemFilter filter,
      TaskBuilder builder,
      Templates templates,
      TaskSizeLimit sizeLimit,
      Consumer<String> warnings)
      throws ProduceException {
    checkRelations(filter, d.relations().keySet(), "dataset " + d.source());
    List<Item> selection = new ArrayList<>();
    long dropped = 0;
    for (Item item : d.items()) {
      if (!filter.relations().isEmpty() && !filter.relations().contains(item.relation())) {
        continue;
      }
      if (filter.dropObjectInSubject() && item.objectInSubject()) {
        dropped++;
        continue;
      }
      selection.add(item);
    }
    // Fail before the first task rather than half-way through a publish.
    checkQuestions(d, selection, templates);
    selection = sample(selection, filter);
    if (selection.isEmpty()) {
      throw new ProduceException(
          "no items to produce from "
              + d.source()
              + " ("
              + d.items().size()
              + " items in the dataset"
              + (filter.relations().isEmpty() ? "" : ", relations " + filter.relations())
              + (filter.dropObjectInSubject()
                  ? ", " + dropped + " dropped as object-in-subject"
                  : "")
              + ")");
    }
    long planned = checkSizes(d, selection, builder, sizeLimit);
    TaskStream t =
        new TaskStream(builder, filter, warnings, sizeLimit, d, selection, null, dropped);
    t.plannedTasks = planned;
    return t;
  }

  private static void checkQuestions(Dataset d, List<Item> selection, Templates templates)
      throws ProduceException {
    java.util.Set<String> unasked = new java.util.TreeSet<>();
    for (Item item : selection) {
      if (item.overrides().questions().isEmpty() && !templates.hasQuestions(item.relation())) {
        unasked.add(item.relation());
      }
    }
    if (!unasked.isEmpty()) {
      throw new ProduceException(
          "relations without question templates in "
              + d.source()
              + ": "
              + unasked
              + "; leave them out with --relations");
    }
  }

  /** The selection in the filter's order, capped per relation, then limited. */
  private static List<Item> sample(List<Item> selection, ItemFilter filter) {
    if (filter.order() == ItemOrder.SHUFFLED) {
      shuffle(selection, new SplittableRandom(Seeds.of(filter.seed(), "item-order")));
    }
    if (filter.perRelation() > 0) {
      Map<String, Integer> taken = new LinkedHashMap<>();
      List<Item> capped = new ArrayList<>();
      for (Item item : selection) {
        if (taken.merge(item.relation(), 1, Integer::sum) <= filter.perRelation()) {
          capped.add(item);
        }
      }
      selection = capped;
    }
    if (filter.limit() > 0 && selection.size() > filter.limit()) {
      selection = new ArrayList<>(selection.subList(0, (int) filter.limit()));
    }
    return selection;
  }

  /**
   * Builds every selected item once and refuses the run if a task would be too large to publish,
   * naming the first such item in dataset order (its position and short id, never its text).
   */
  /**
   * Builds every selected item once, refusing any with a task over the limit; returns the tasks.
   */
  private static long checkSizes(
      Dataset d, List<Item> selection, TaskBuilder builder, TaskSizeLimit limit)
      throws ProduceException {
    long tasks = 0;
    Map<String, List<String>> pools = d.objectsByRelation();
    java.util.Set<Item> chosen = new java.util.HashSet<>(selection);
    String first = null;
    int over = 0;
    int position = 0;
    for (Item item : d.items()) {
      position++;
      if (!chosen.contains(item)) {
        continue;
      }
      List<Task> built = build(builder, d, pools, item);
      tasks += built.size();
      Optional<TaskSizeLimit.Oversize> o = limit.firstOver(built);
      if (o.isPresent() && over++ == 0) {
        first =
            "item "
                + position
                + " of "
                + d.items().size()
                + " (\""
                + item.shortId()
                + "\"): "
                + limit.describe(o.get());
      }
    }
    if (over > 0) {
      throw new ProduceException(
          d.source() + ": " + first + (over > 1 ? "; " + over + " items are too large" : ""));
    }
    return tasks;
  }

  private static List<Task> build(
      TaskBuilder builder, Dataset d, Map<String, List<String>> pools, Item item)
      throws ProduceException {
    try {
      return builder.build(
          item, d.patternsOf(item.relation()), pools.getOrDefault(item.relation(), List.of()));
    } catch (IllegalArgumentException | IllegalStateException e) {
      throw new ProduceException(
          "item " + item.shortId() + " of " + d.source() + ": " + e.getMessage(), e);
    }
  }

  private static void checkRelations(ItemFilter filter, java.util.Set<String> known, String where)
      throws ProduceException {
    for (String r : filter.relations()) {
      if (!known.contains(r)) {
        throw new ProduceException(
            "unknown relation "
                + r
                + " in --relations: not in "
                + where
                + " (known: "
                + new TreeSet<>(known)
                + ")");
      }
    }
  }

  /** Fisher-Yates with our seeded generator, so the order is pinned across JDKs. */
  private static <T> void shuffle(List<T> xs, SplittableRandom r) {
    for (int i = xs.size() - 1; i > 0; i--) {
      int j = r.nextInt(i + 1);
      T t = xs.get(i);
      xs.set(i, xs.get(j));
      xs.set(j, t);
    }
  }

  /** How many items a whole dataset will give; empty for a stream. */
  public OptionalLong plannedItems() {
    return plannedItems < 0 ? OptionalLong.empty() : OptionalLong.of(plannedItems);
  }

  /**
   * How many tasks a whole dataset will give (every item is built once at open); empty for a
   * stream.
   */
  public OptionalLong plannedTasks() {
    return plannedTasks < 0 ? OptionalLong.empty() : OptionalLong.of(plannedTasks);
  }

  /** Whether items arrive as a stream (built and sent one at a time, as they come). */
  public boolean streaming() {
    return stream != null;
  }

  /**
   * The next item and its tasks, or empty at the end (a stream's end, the selection's end, or the
   * limit).
   *
   * @throws DatasetException when the stream itself fails (not for a bad line, which is skipped)
   * @throws ProduceException when an item of a whole dataset cannot be built (checked at open)
   */
  public Optional<ItemTasks> next() throws DatasetException, ProduceException {
    if (filter.limit() > 0 && items >= filter.limit()) {
      return Optional.empty();
    }
    if (selected != null) {
      if (!selected.hasNext()) {
        return Optional.empty();
      }
      Item item = selected.next();
      return Optional.of(count(item, build(builder, dataset, pools, item)));
    }
    return nextStreamed();
  }

  private Optional<ItemTasks> nextStreamed() throws DatasetException {
    while (true) {
      Optional<Item> next = stream.next();
      if (next.isEmpty()) {
        return Optional.empty();
      }
      Item item = next.get();
      LinkedHashSet<String> seen =
          seenObjects.computeIfAbsent(item.relation(), k -> new LinkedHashSet<>());
      List<String> fresh = item.goldObjects().stream().filter(o -> !seen.contains(o)).toList();
      seen.addAll(fresh);
      if (!filter.relations().isEmpty() && !filter.relations().contains(item.relation())) {
        continue;
      }
      if (filter.dropObjectInSubject() && item.objectInSubject()) {
        droppedObjectInSubject++;
        continue;
      }
      if (filter.perRelation() > 0
          && streamedPerRelation.merge(item.relation(), 1L, Long::sum) > filter.perRelation()) {
        continue;
      }
      String why;
      try {
        List<Task> built = builder.build(item, List.<Pattern>of(), new ArrayList<>(seen));
        Optional<TaskSizeLimit.Oversize> over = sizeLimit.firstOver(built);
        if (over.isEmpty()) {
          return Optional.of(count(item, built));
        }
        // Its objects must not come back as other items' counterfactual answers.
        fresh.forEach(seen::remove);
        why = sizeLimit.describe(over.get());
      } catch (IllegalArgumentException | IllegalStateException e) {
        why = e.getMessage();
      }
      skippedItems++;
      warnings.accept(
          stream.source()
              + ":"
              + stream.lines()
              + ": skipped item \""
              + item.shortId()
              + "\": "
              + why);
    }
  }

  private ItemTasks count(Item item, List<Task> built) {
    items++;
    tasks += built.size();
    return new ItemTasks(item, built);
  }

  /** Items produced so far. */
  public long items() {
    return items;
  }

  /** Tasks produced so far. */
  public long tasks() {
    return tasks;
  }

  public long droppedObjectInSubject() {
    return droppedObjectInSubject;
  }

  /** Stream items that parsed but could not be built or were too large (warned and skipped). */
  public long skippedItems() {
    return skippedItems;
  }

  /** Malformed stream lines skipped; 0 for a whole dataset. */
  public long skippedLines() {
    return stream == null ? 0 : stream.skippedLines() + stream.duplicateItems();
  }
}
