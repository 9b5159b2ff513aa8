package dev.saescope.producer.cli;

import static dev.saescope.producer.cli.ProduceCommand.EXIT_BAD_INPUT;
import static dev.saescope.producer.cli.ProduceCommand.EXIT_KAFKA;

import dev.saescope.common.kafka.BrokerUnavailableException;
import dev.saescope.common.kafka.KafkaConfigException;
import dev.saescope.common.kafka.KafkaSettings;
import dev.saescope.common.kafka.PublishException;
import dev.saescope.common.kafka.PublishStats;
import dev.saescope.common.kafka.RunAnnouncer;
import dev.saescope.common.kafka.TaskPublisher;
import dev.saescope.common.kafka.TopicAdmin;
import dev.saescope.common.kafka.TopicAdminException;
import dev.saescope.common.kafka.TopicSpec;
import dev.saescope.common.progress.ProgressBar;
import dev.saescope.producer.dataset.DatasetException;
import dev.saescope.producer.run.ItemTasks;
import dev.saescope.producer.run.ProduceException;
import dev.saescope.producer.run.TaskStream;
import dev.saescope.schemas.RunAnnouncement;
import dev.saescope.schemas.Task;
import dev.saescope.schemas.Variant;
import java.io.PrintWriter;
import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;

/**
 * The publishing half of {@code saescope produce}: ensures the topics, announces the run, sends
 * every task of a {@link TaskStream} with a progress bar, announces what was really sent and prints
 * the summary on stdout. Returns {@code produce}'s exit code.
 */
final class TaskPublishing {
  private final String run;
  private final String dataset;
  private final long seed;
  private final int partitions;
  private final boolean quiet;
  private final KafkaSettings settings;
  private final ProducerMetrics metrics;

  TaskPublishing(
      String run,
      String dataset,
      long seed,
      int partitions,
      boolean quiet,
      KafkaSettings settings,
      ProducerMetrics metrics) {
    this.run = run;
    this.dataset = dataset;
    this.seed = seed;
    this.partitions = partitions;
    this.quiet = quiet;
    this.settings = settings;
    this.metrics = metrics;
  }

  int publish(TaskStream tasks, PrintWriter out, PrintWriter err) {
    if (partitions < 1) {
      err.println("produce: --partitions must be >= 1, got " + partitions);
      return EXIT_BAD_INPUT;
    }
    try {
      // Waits for new topics' partitions to be served: see PartitionReadiness (KAFKA-15591).
      TopicAdmin.ensureTopics(
          settings, TopicSpec.standard(settings.topics(), partitions, TopicSpec.BROKER_DEFAULT));
    } catch (BrokerUnavailableException | TopicAdminException e) {
      err.println("produce: " + e.getMessage());
      return EXIT_KAFKA;
    }
    try (TaskPublisher publisher = TaskPublisher.open(settings)) {
      return publishWith(publisher, tasks, out, err);
    } catch (DatasetException | ProduceException e) {
      err.println("produce: " + e.getMessage());
      return EXIT_BAD_INPUT;
    } catch (KafkaConfigException e) {
      err.println("produce: " + e.getMessage());
      return EXIT_BAD_INPUT;
    } catch (PublishException e) {
      err.println("produce: " + e.getMessage());
      return EXIT_KAFKA;
    }
  }

  /** Announces the run, sends its tasks, announces the final counts and prints the summary. */
  private int publishWith(
      TaskPublisher publisher, TaskStream tasks, PrintWriter out, PrintWriter err)
      throws DatasetException, ProduceException, KafkaConfigException, PublishException {
    Map<Variant, Long> byVariant = new EnumMap<>(Variant.class);
    long start = System.nanoTime();
    // Before the first task, so the aggregator can show tasks done of tasks expected.
    RunAnnouncer.announce(
        settings,
        new RunAnnouncement(
            run,
            dataset,
            seed,
            tasks.plannedItems().orElse(-1),
            tasks.plannedTasks().orElse(-1),
            tasks.streaming(),
            System.currentTimeMillis()));
    metrics.runAnnounced();
    PublishStats stats = sendAll(publisher, tasks, byVariant);
    if (tasks.items() == 0) {
      err.println("produce: no items were produced (" + tasks.skippedLines() + " lines skipped)");
      return EXIT_BAD_INPUT;
    }
    // The final word: what was really sent (a stream ends, skipped lines are not tasks).
    RunAnnouncer.announce(
        settings,
        new RunAnnouncement(
            run, dataset, seed, tasks.items(), tasks.tasks(), false, System.currentTimeMillis()));
    out.println(
        RunSummary.format(
            "published to " + publisher.topic() + " at " + settings.bootstrapServers(),
            tasks,
            byVariant,
            stats.bytes(),
            "bytes",
            start));
    out.flush();
    return 0;
  }

  /** Every task of {@code tasks}, counted by variant into {@code byVariant}, item by item. */
  private PublishStats sendAll(
      TaskPublisher publisher, TaskStream tasks, Map<Variant, Long> byVariant)
      throws DatasetException, ProduceException, KafkaConfigException, PublishException {
    // Closed before the summary is printed (and only once: closing draws the final state).
    ProgressBar bar = ProgressBar.onStderr("items", tasks.plannedItems().orElse(-1), quiet);
    try {
      for (Optional<ItemTasks> it = tasks.next(); it.isPresent(); it = tasks.next()) {
        for (Task t : it.get().tasks()) {
          publisher.publish(t);
          metrics.taskSent();
          byVariant.merge(t.variant(), 1L, Long::sum);
        }
        metrics.itemSent();
        if (tasks.streaming()) {
          // One item at a time as lines arrive: acknowledge it before waiting for the next
          // line, so a Ctrl-C never loses an item the user already sent.
          publisher.flush();
        }
        bar.advance(1);
      }
      return publisher.flush();
    } finally {
      bar.close();
    }
  }
}
