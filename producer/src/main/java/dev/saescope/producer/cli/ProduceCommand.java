package dev.saescope.producer.cli;

import dev.saescope.common.kafka.KafkaConfigException;
import dev.saescope.common.kafka.KafkaOptions;
import dev.saescope.common.kafka.KafkaSettings;
import dev.saescope.common.kafka.TaskPublisher;
import dev.saescope.common.metrics.MetricsServer;
import dev.saescope.producer.dataset.DatasetException;
import dev.saescope.producer.dataset.DatasetKind;
import dev.saescope.producer.dataset.ItemSource;
import dev.saescope.producer.dataset.JsonlItemParser;
import dev.saescope.producer.run.ItemFilter;
import dev.saescope.producer.run.ItemOrder;
import dev.saescope.producer.run.ItemTasks;
import dev.saescope.producer.run.ProduceException;
import dev.saescope.producer.run.TaskSizeLimit;
import dev.saescope.producer.run.TaskStream;
import dev.saescope.producer.template.Templates;
import dev.saescope.producer.variant.DirectForm;
import dev.saescope.producer.variant.EvasiveMention;
import dev.saescope.producer.variant.TaskBuilder;
import dev.saescope.producer.variant.TextFormat;
import dev.saescope.producer.variant.VariantOptions;
import dev.saescope.schemas.Task;
import dev.saescope.schemas.Variant;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.ThreadLocalRandom;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code saescope produce}: reads a dataset, builds the tasks of every item and publishes them to
 * the tasks topic (or prints them with {@code --dry-run}).
 *
 * <p>Exit codes: 0 done; 1 bad input (dataset, option values, nothing to produce, a task too large
 * for Kafka, a metrics host or port that cannot be used); 2 usage error (picocli: unknown or
 * missing option, {@code --relations} naming no relation); 3 Kafka unreachable or refusing. Stdout
 * carries only data ({@code --dry-run} JSON lines) or, when publishing, the summary; warnings,
 * progress and the dry-run summary go to stderr.
 */
@Command(
    name = "produce",
    mixinStandardHelpOptions = true,
    description = {
      "Turn a dataset of facts into prompt tasks and publish them to Kafka.",
      "Each item (a fact with its gold object set) gets direct, evasive (6 families),",
      "counterfactual and cloze variants, built from saescope's own templates.",
      "",
      "Examples:",
      "  saescope produce --dataset knowledge-neurons --data kn/data --limit 100",
      "  saescope produce --dataset pararel --data pararel/data --relations P36,P19 \\",
      "      --dry-run",
      "  my-questions | saescope produce --dataset jsonl --data -",
      ""
    },
    sortOptions = false)
public final class ProduceCommand implements Callable<Integer> {
  static final int EXIT_BAD_INPUT = 1;
  static final int EXIT_USAGE = CommandLine.ExitCode.USAGE;
  static final int EXIT_KAFKA = 3;

  @Spec CommandSpec spec;

  @Option(
      names = "--dataset",
      required = true,
      paramLabel = "KIND",
      description = "Layout of --data: knowledge-neurons, pararel or jsonl.")
  String dataset;

  @Option(
      names = "--data",
      required = true,
      paramLabel = "DIR|FILE|-",
      description =
          "The dataset: the data/ folder of a knowledge-neurons or ParaRel clone, a JSONL item"
              + " file, or - to stream JSONL items from stdin (items are sent as lines arrive).")
  String data;

  @Option(
      names = "--relations",
      split = ",",
      paramLabel = "REL",
      description = "Only these relations (default: all).")
  List<String> relations = new ArrayList<>();

  @Option(
      names = "--limit",
      paramLabel = "N",
      defaultValue = "0",
      description = "At most N items (0: no limit).")
  long limit;

  @Option(
      names = "--per-relation",
      paramLabel = "N",
      defaultValue = "0",
      description =
          "At most N items of each relation (0: no cap); with --order shuffled a balanced sample.")
  long perRelation;

  @Option(
      names = "--variants",
      split = ",",
      paramLabel = "VARIANT",
      defaultValue = "direct,evasive,counterfactual,cloze",
      description = "Variants to build (default: ${DEFAULT-VALUE}).")
  List<String> variants = new ArrayList<>();

  @Option(
      names = "--direct-forms",
      split = ",",
      paramLabel = "FORM",
      defaultValue = "qa",
      description =
          "Direct variant forms: qa (question + gold object), pattern (a filled ParaRel pattern"
              + " standing alone) (default: ${DEFAULT-VALUE}).")
  List<String> directForms = new ArrayList<>();

  @Option(
      names = "--evasive-mention",
      paramLabel = "MODE",
      defaultValue = "random",
      description =
          "Whether evasive answers mention the subject: random (a seeded coin per family), both"
              + " (one of each), with, without (default: ${DEFAULT-VALUE}).")
  String evasiveMention;

  @Option(
      names = "--questions-per-item",
      paramLabel = "K",
      defaultValue = "1",
      description =
          "Question templates per item, each with its own variants (default: ${DEFAULT-VALUE}).")
  int questionsPerItem;

  @Option(
      names = "--format",
      paramLabel = "FORMAT",
      defaultValue = "base",
      description =
          "Text format: base (\"Question: {question}\\nAnswer: {answer}\"), gemma-chat, or a"
              + " literal with {question} and {answer} (\\n for a newline) (default: ${DEFAULT-VALUE}).")
  String format;

  @Option(
      names = "--seed",
      paramLabel = "S",
      defaultValue = "0",
      description =
          "Seed of every random choice: same seed, same tasks in the same order (default: ${DEFAULT-VALUE}).")
  long seed;

  @Option(
      names = "--run-id",
      paramLabel = "ID",
      description = "Run id stamped on every task (default: run-<UTC time>-<random>).")
  String runId;

  @Option(
      names = "--order",
      paramLabel = "ORDER",
      defaultValue = "shuffled",
      description =
          "Item order of a dataset read whole: shuffled (seeded; --limit then samples across"
              + " relations) or dataset (default: ${DEFAULT-VALUE}).")
  String order;

  @Option(
      names = "--drop-object-in-subject",
      description =
          "Drop items whose gold object appears in the subject's name (they are flagged otherwise).")
  boolean dropObjectInSubject;

  @Option(
      names = "--dry-run",
      description =
          "Print one JSON object per task on stdout; touch no broker (tasks over"
              + " max.request.size are refused as when publishing).")
  boolean dryRun;

  @Option(
      names = "--partitions",
      paramLabel = "N",
      defaultValue = "8",
      description =
          "Partitions of topics this command creates (bounds the worker group size) (default: ${DEFAULT-VALUE}).")
  int partitions;

  @Option(names = "--quiet", description = "No progress bar.")
  boolean quiet;

  @Option(
      names = "--metrics-host",
      paramLabel = "HOST",
      defaultValue = "127.0.0.1",
      description =
          "Address of the /metrics and /health endpoint while publishing (default: ${DEFAULT-VALUE}).")
  String metricsHost;

  @Option(
      names = "--metrics-port",
      paramLabel = "P",
      defaultValue = "9403",
      description = {
        "Port of the /metrics endpoint while publishing (not with --dry-run); 0 picks a free one,",
        "-1 disables. A port in use stops produce before it touches Kafka (default: ${DEFAULT-VALUE})."
      })
  int metricsPort;

  @Mixin KafkaOptions kafka = new KafkaOptions();

  /** Where {@code --data -} reads from; tests replace it. */
  InputStream stdin = System.in;

  @Override
  public Integer call() {
    PrintWriter err = spec.commandLine().getErr();
    PrintWriter out = spec.commandLine().getOut();
    Templates templates = Templates.load();
    TaskBuilder builder;
    ItemFilter filter;
    DatasetKind kind;
    KafkaSettings settings;
    TaskSizeLimit sizeLimit;
    String run;
    try {
      kind = DatasetKind.fromCliName(dataset);
      filter =
          new ItemFilter(
              relationFilter(),
              dropObjectInSubject,
              limit,
              ItemOrder.fromCliName(order),
              seed,
              perRelation);
      run = runId();
      builder = new TaskBuilder(templates, variantOptions(), run, seed, System::currentTimeMillis);
      // A dry run too: it shows what a publish would send, and refuses what Kafka would refuse.
      settings = kafka.resolve();
      sizeLimit = TaskSizeLimit.of(TaskPublisher.producerSettings(settings));
    } catch (IllegalArgumentException | KafkaConfigException e) {
      err.println("produce: " + e.getMessage());
      return EXIT_BAD_INPUT;
    }
    ItemSource source;
    TaskStream tasks;
    try {
      source =
          kind.open(data, new JsonlItemParser(templates::hasQuestions), stdin, w -> warn(err, w));
      tasks = TaskStream.open(source, filter, builder, templates, sizeLimit, w -> warn(err, w));
    } catch (DatasetException | ProduceException e) {
      err.println("produce: " + e.getMessage());
      return EXIT_BAD_INPUT;
    }
    return dryRun ? dryRun(tasks, out, err) : publish(run, settings, tasks, out, err);
  }

  /**
   * Serves the producer's meters (unless {@code --metrics-port -1}) and publishes. A metrics port
   * that cannot be bound is a bad option, as for the worker: the run stops before any topic or task
   * is touched, rather than publishing while Prometheus scrapes whatever holds the port.
   */
  private int publish(
      String run, KafkaSettings settings, TaskStream tasks, PrintWriter out, PrintWriter err) {
    if (metricsPort < -1 || metricsPort > 65535) {
      err.println(
          "produce: --metrics-port must be -1 (no metrics), 0 (a free port) or 1..65535, got "
              + metricsPort);
      return EXIT_BAD_INPUT;
    }
    PrometheusMeterRegistry registry = MetricsServer.newRegistry("producer");
    ProducerMetrics metrics = new ProducerMetrics(registry);
    MetricsServer server;
    try {
      server =
          metricsPort < 0
              ? null
              : MetricsServer.start(
                  registry,
                  metricsHost,
                  metricsPort,
                  () -> new JsonObject().put("role", "producer").put("run", run));
    } catch (IOException e) {
      err.println(
          "produce: "
              + e.getMessage()
              + " (check --metrics-host and --metrics-port; 0 picks a free port, -1 serves no"
              + " metrics)");
      return EXIT_BAD_INPUT;
    }
    try (server) {
      return new TaskPublishing(run, dataset, seed, partitions, quiet, settings, metrics)
          .publish(tasks, out, err);
    }
  }

  /** {@code --relations}; an empty name, as in {@code --relations ,}, is a usage error. */
  private LinkedHashSet<String> relationFilter() {
    LinkedHashSet<String> out = new LinkedHashSet<>();
    relations.forEach(r -> out.add(r.strip()));
    if (spec.commandLine().getParseResult().hasMatchedOption("--relations")
        && (out.isEmpty() || out.contains(""))) {
      throw new ParameterException(
          spec.commandLine(),
          "--relations has an empty relation name; give ids such as P36,P19, or leave the option"
              + " out for all relations");
    }
    return out;
  }

  private VariantOptions variantOptions() {
    EnumSet<Variant> vs = EnumSet.noneOf(Variant.class);
    variants.forEach(v -> vs.add(Variant.fromWireName(v)));
    EnumSet<DirectForm> forms = EnumSet.noneOf(DirectForm.class);
    directForms.forEach(f -> forms.add(DirectForm.fromCliName(f)));
    return new VariantOptions(
        vs,
        forms,
        questionsPerItem,
        TextFormat.parse(format),
        EvasiveMention.fromCliName(evasiveMention));
  }

  private String runId() {
    if (runId != null) {
      if (runId.isBlank()) {
        throw new IllegalArgumentException("--run-id is blank");
      }
      return runId;
    }
    byte[] r = new byte[3];
    ThreadLocalRandom.current().nextBytes(r);
    return "run-"
        + DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")
            .withZone(ZoneOffset.UTC)
            .format(Instant.now())
        + "-"
        + HexFormat.of().formatHex(r);
  }

  private static void warn(PrintWriter err, String message) {
    err.println("produce: warning: " + message);
    err.flush();
  }

  private int dryRun(TaskStream tasks, PrintWriter out, PrintWriter err) {
    Map<Variant, Long> byVariant = new EnumMap<>(Variant.class);
    long start = System.nanoTime();
    long bytes = 0;
    try {
      for (Optional<ItemTasks> it = tasks.next(); it.isPresent(); it = tasks.next()) {
        for (Task t : it.get().tasks()) {
          String line = TaskJson.line(t);
          bytes += line.length() + 1;
          out.println(line);
          byVariant.merge(t.variant(), 1L, Long::sum);
        }
        if (tasks.streaming()) {
          out.flush(); // a streamed item's tasks should show up as soon as its line came in
        }
      }
    } catch (DatasetException | ProduceException e) {
      out.flush();
      err.println("produce: " + e.getMessage());
      return EXIT_BAD_INPUT;
    }
    out.flush();
    if (tasks.items() == 0) {
      err.println("produce: no items were produced (" + tasks.skippedLines() + " lines skipped)");
      return EXIT_BAD_INPUT;
    }
    err.println(RunSummary.format("dry run", tasks, byVariant, bytes, "JSON bytes", start));
    return 0;
  }
}
