package dev.saescope.common.metrics;

import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.UnknownHostException;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves {@code GET /metrics} (Prometheus text format) and {@code GET /health} (JSON) for one
 * process. Scraping renders every meter, so it runs off the event loop ({@code executeBlocking}).
 */
public final class MetricsServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(MetricsServer.class);

  private final PrometheusMeterRegistry registry;
  private final Vertx vertx;
  private final HttpServer server;

  private MetricsServer(PrometheusMeterRegistry registry, Vertx vertx, HttpServer server) {
    this.registry = registry;
    this.vertx = vertx;
    this.server = server;
  }

  /** A registry with the JVM and process meters every role reports. */
  public static PrometheusMeterRegistry newRegistry(String role) {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    registry.config().commonTags("application", "saescope", "role", role);
    new JvmMemoryMetrics().bindTo(registry);
    new JvmGcMetrics().bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ClassLoaderMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    new UptimeMetrics().bindTo(registry);
    return registry;
  }

  /**
   * Starts the server; port 0 picks a free port (see {@link #port()}).
   *
   * @param health extra fields for {@code /health}, read on a worker thread
   * @throws IOException naming host and port when the host does not resolve or the port cannot be
   *     bound (in use, or not a port)
   */
  public static MetricsServer start(
      PrometheusMeterRegistry registry, String host, int port, Supplier<JsonObject> health)
      throws IOException {
    Vertx vertx = Vertx.vertx();
    try {
      HttpServer server =
          vertx
              .createHttpServer()
              .requestHandler(
                  req -> {
                    String path = req.path();
                    if (!"GET".equals(req.method().name())) {
                      req.response()
                          .setStatusCode(405)
                          .putHeader("Allow", "GET")
                          .end("only GET is served\n");
                    } else if (path.equals("/metrics")) {
                      vertx
                          .executeBlocking(registry::scrape)
                          .onSuccess(
                              text ->
                                  req.response()
                                      .putHeader(
                                          "Content-Type",
                                          "text/plain; version=0.0.4; charset=utf-8")
                                      .end(text))
                          .onFailure(e -> req.response().setStatusCode(500).end(e.toString()));
                    } else if (path.equals("/health")) {
                      vertx
                          .executeBlocking(
                              () -> new JsonObject().put("status", "up").mergeIn(health.get()))
                          .onSuccess(
                              json ->
                                  req.response()
                                      .putHeader("Content-Type", "application/json")
                                      .end(json.encode()))
                          .onFailure(e -> req.response().setStatusCode(500).end(e.toString()));
                    } else {
                      req.response()
                          .setStatusCode(404)
                          .end("not found: " + path + " (try /metrics or /health)\n");
                    }
                  })
              .listen(port, host)
              .await(30, TimeUnit.SECONDS);
      LOG.info("metrics on http://{}:{}/metrics", host, server.actualPort());
      return new MetricsServer(registry, vertx, server);
    } catch (Exception e) {
      vertx.close();
      throw new IOException(
          "cannot serve metrics on " + host + ":" + port + ": " + reason(e, host), e);
    }
  }

  /** Vert.x words an unknown host as a DNS query log; say what happened instead. */
  private static String reason(Exception e, String host) {
    return e instanceof UnknownHostException
        ? "host " + host + " does not resolve"
        : String.valueOf(e.getMessage()).strip();
  }

  public int port() {
    return server.actualPort();
  }

  public PrometheusMeterRegistry registry() {
    return registry;
  }

  @Override
  public void close() {
    try {
      vertx.close().await(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      LOG.debug("closing the metrics server: {}", e.toString());
    }
  }
}
