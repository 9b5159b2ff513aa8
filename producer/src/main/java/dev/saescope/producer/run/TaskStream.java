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
 * are drawn from each relation's objects in the whole dataset. A stream is filtered item by item;
 * its counterfactual pool grows with the objects seen so far, and an item that cannot be built is
 * skipped with a warning (same policy as malformed lines).
 */
public final class TaskStream {
  private final TaskBuilder builder;
  private final ItemFilter filter;
  private final Consumer<String> warnings;
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
      Dataset dataset,
      List<Item> selection,
      JsonlItemStream stream,
      long dropped) {
    this.builder = builder;
    this.filter = filter;
    this.warnings = warnings;
    this.dataset = dataset;
    this.selected = selection == null ? null : selection.iterator();
    this.plannedItems = selection == null ? -1 : selection.size();
    this.pools = dataset == null ? null : dataset.objectsByRelation();
    this.stream = stream;
    this.droppedObjectInSubject = dropped;
  }

  /**
   * Opens a run over a source.
   *
   * @param templates used to check {@code --relations} for streams (a dataset checks against its
   *     own relations)
   * @param warnings receives a message per item a stream skips
   * @throws ProduceException for an unknown relation in the filter, or when nothing is left
   */
  public static TaskStream open(
      ItemSource source,
      ItemFilter filter,
      TaskBuilder builder,
      Templates templates,
      Consumer<String> warnings)
      throws ProduceException {
    return switch (source) {
      case ItemSource.Whole w -> openWhole(w.dataset(), filter, builder, templates, warnings);
      case ItemSource.Streamed s -> {
        checkRelations(filter, templates.relations(), "the question templates");
        yield new TaskStream(builder, filter, warnings, null, null, s.stream(), 0);
      }
    };
  }

  private static TaskStream openWhole(
      Dataset d,
      ItemFilter filter,
      TaskBuilder builder,
      Templates templates,
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
    return new TaskStream(builder, filter, warnings, d, selection, null, dropped);
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

  /** Whether items arrive as a stream (built and sent one at a time, as they come). */
  public boolean streaming() {
    return stream != null;
  }

  /**
   * The next item and its tasks, or empty at the end (a stream's end, the selection's end, or the
   * limit).
   *
   * @throws DatasetException when the stream itself fails (not for a bad line, which is skipped)
   * @throws ProduceException when an item of a whole dataset cannot be built
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
      try {
        return Optional.of(
            count(
                item,
                builder.build(
                    item,
                    dataset.patternsOf(item.relation()),
                    pools.getOrDefault(item.relation(), List.of()))));
      } catch (IllegalArgumentException | IllegalStateException e) {
        throw new ProduceException(
            "item " + item.itemId() + " of " + dataset.source() + ": " + e.getMessage(), e);
      }
    }
    while (true) {
      Optional<Item> next = stream.next();
      if (next.isEmpty()) {
        return Optional.empty();
      }
      Item item = next.get();
      LinkedHashSet<String> seen =
          seenObjects.computeIfAbsent(item.relation(), k -> new LinkedHashSet<>());
      seen.addAll(item.goldObjects());
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
      try {
        return Optional.of(
            count(item, builder.build(item, List.<Pattern>of(), new ArrayList<>(seen))));
      } catch (IllegalArgumentException | IllegalStateException e) {
        skippedItems++;
        warnings.accept(
            stream.source()
                + ":"
                + stream.lines()
                + ": skipped item "
                + item.itemId()
                + ": "
                + e.getMessage());
      }
    }
  }

  private ItemTasks count(Item item, List<dev.saescope.schemas.Task> built) {
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

  /** Stream items that parsed but could not be built (warned and skipped). */
  public long skippedItems() {
    return skippedItems;
  }

  /** Malformed stream lines skipped; 0 for a whole dataset. */
  public long skippedLines() {
    return stream == null ? 0 : stream.skippedLines() + stream.duplicateItems();
  }
}
