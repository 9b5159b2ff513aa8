package dev.saescope.aggregator;

import dev.saescope.aggregator.http.AggregatorApi;
import dev.saescope.aggregator.http.ApiServer;
import dev.saescope.aggregator.http.PromptIntake;
import dev.saescope.aggregator.http.RunViews;
import dev.saescope.aggregator.report.RunReport;
import dev.saescope.aggregator.service.AggregatorConfig;
import dev.saescope.aggregator.service.AggregatorService;
import dev.saescope.aggregator.service.Observations;
import dev.saescope.aggregator.service.ReportWriter;
import dev.saescope.aggregator.service.RunQueries;
import dev.saescope.aggregator.service.RunReports;
import dev.saescope.aggregator.stream.AggregatorMetrics;
import dev.saescope.aggregator.stream.AggregatorTopology;
import dev.saescope.common.kafka.BrokerUnavailableException;
import dev.saescope.common.kafka.TopicAdmin;
import dev.saescope.common.kafka.TopicAdminException;
import dev.saescope.common.kafka.TopicSpec;
import dev.saescope.common.metrics.MetricsServer;
import dev.saescope.schemas.RunAnnouncement;
import dev.saescope.schemas.serde.Codecs;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.streams.state.HostInfo;

/**
 * One running aggregator: the Kafka Streams service, its HTTP API and, with an output folder, the
 * report writer. The composition root of the module: what {@code aggregate}, the demo and tests
 * start.
 */
public final class Aggregator implements AutoCloseable {
  /** Partitions of topics the aggregator creates when they are missing (as the producer does). */
  static final int DEFAULT_PARTITIONS = 12;

  /** Prompts one client may submit per minute: each is several tasks for the workers. */
  static final int PROMPTS_PER_MINUTE = 20;

  private final AggregatorService service;
  private final RunQueries queries;
  private final RunReports reports;
  private final ApiServer server;
  private final ReportWriter writer;

  private Aggregator(
      AggregatorService service,
      RunQueries queries,
      RunReports reports,
      ApiServer server,
      ReportWriter writer) {
    this.service = service;
    this.queries = queries;
    this.reports = reports;
    this.server = server;
    this.writer = writer;
  }

  /**
   * Starts everything; the topics are created when missing.
   *
   * @param out folder for report files, or null for none
   * @throws IllegalStateException naming what failed: the broker, the port, the stream
   */
  public static Aggregator start(AggregatorConfig config, String httpHost, int httpPort, Path out) {
    try {
      TopicAdmin.ensureTopics(
          config.kafka(),
          TopicSpec.standard(
              config.kafka().topics(), DEFAULT_PARTITIONS, TopicSpec.BROKER_DEFAULT));
    } catch (BrokerUnavailableException | TopicAdminException e) {
      throw new IllegalStateException(e.getMessage(), e);
    }
    PrometheusMeterRegistry registry = MetricsServer.newRegistry("aggregator");
    AggregatorMetrics metrics = new AggregatorMetrics(registry);
    AggregatorService service =
        AggregatorService.start(
            config,
            Observations.observer(),
            metrics,
            registry,
            config.kafka().topics().runs(),
            Duration.ofSeconds(60));
    try {
      metrics.bindStores(service.streams(), AggregatorTopology.STORES);
      RunQueries queries = new RunQueries(service.streams());
      RunReports reports = new RunReports(queries);
      HostInfo self = HostInfo.buildFromEndpoint(config.advertised());
      AggregatorApi api =
          new AggregatorApi(
              queries, Codecs::runAnnouncementOf, reports, self, metrics, service::healthy);
      RunViews views = new RunViews(queries, reports, Codecs::runAnnouncementOf);
      PromptIntake prompts = new PromptIntake(config.kafka(), queries, PROMPTS_PER_MINUTE);
      ApiServer server = ApiServer.start(api, views, prompts, registry, httpHost, httpPort);
      ReportWriter writer = out == null ? null : ReportWriter.start(queries, reports, out);
      return new Aggregator(service, queries, reports, server, writer);
    } catch (RuntimeException e) {
      service.close();
      throw e;
    }
  }

  /** Every endpoint the HTTP server registered (the OpenAPI test reads it). */
  public java.util.SortedSet<String> httpRoutes() {
    return server.routes();
  }

  public int httpPort() {
    return server.port();
  }

  /** Whether the stream has failed (the process should exit non-zero). */
  public boolean failed() {
    return !service.healthy();
  }

  /** Blocks until {@code stop} counts down or the stream fails. */
  public void awaitStopOr(CountDownLatch stop) {
    try {
      while (!stop.await(500, TimeUnit.MILLISECONDS)) {
        if (failed() && service.streams().state().hasCompletedShutdown()) {
          return;
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Tasks of {@code run} complete in this instance's partitions (all of them for one instance). */
  public long tasksDone(String run) {
    return queries.tasksDone(run);
  }

  /** The run's announcement, once the producer has published it. */
  public Optional<RunAnnouncement> announcement(String run) {
    return queries.announcement(run).map(Codecs::runAnnouncementOf);
  }

  /**
   * The run's report as of now, also written to the output folder when there is one.
   *
   * @throws IOException when the files cannot be written
   */
  public RunReport report(String run) throws IOException {
    return writer != null
        ? writer.writeNow(run, announcement(run))
        : reports.compute(run, announcement(run));
  }

  /** Where {@link #report} writes the run's files; empty without an output folder. */
  public Optional<Path> reportFolder(String run) throws IOException {
    return writer == null ? Optional.empty() : Optional.of(writer.folder(run));
  }

  public AggregatorService service() {
    return service;
  }

  @Override
  public void close() {
    if (writer != null) {
      writer.close();
    }
    server.close();
    service.close();
  }
}
