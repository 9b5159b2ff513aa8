package dev.saescope.aggregator.http;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The aggregator's HTTP API on Vert.x Web: {@code GET /api/runs}, {@code /api/runs/{id}/summary},
 * {@code /api/runs/{id}/report}, plus {@code /metrics} and {@code /health}. Every answer is JSON;
 * a bad request gets a 4xx JSON error naming the problem and never reaches the stores. Store reads
 * and report computation run off the event loop ({@code executeBlocking}).
 */
public final class ApiServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ApiServer.class);

  /** Run ids as the producer makes them; anything else is refused before any lookup. */
  static final Pattern RUN_ID = dev.saescope.aggregator.service.RunFolders.RUN_ID;

  private final Vertx vertx;
  private final HttpServer server;

  private ApiServer(Vertx vertx, HttpServer server) {
    this.vertx = vertx;
    this.server = server;
  }

  /**
   * Starts serving; port 0 picks a free one.
   *
   * @throws IllegalStateException naming host and port when they cannot be bound
   */
  public static ApiServer start(
      AggregatorApi api, PrometheusMeterRegistry registry, String host, int port) {
    Vertx vertx = Vertx.vertx();
    Router router = Router.router(vertx);
    // Requests carry no body today; a small limit keeps a client from making us buffer one.
    router.route().handler(BodyHandler.create().setBodyLimit(64 * 1024));
    router.get("/api/runs").handler(c -> json(vertx, c, api::runs));
    router.get("/api/runs/:id/summary").handler(c -> json(vertx, c, () -> api.summary(run(c), c.request().path())));
    router.get("/api/runs/:id/report").handler(c -> json(vertx, c, () -> api.report(run(c), c.request().path())));
    router.get("/health").handler(c -> json(vertx, c, api::health));
    router
        .get("/metrics")
        .handler(
            c ->
                vertx
                    .executeBlocking(registry::scrape)
                    .onSuccess(
                        t ->
                            c.response()
                                .putHeader("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
                                .end(t))
                    .onFailure(c::fail));
    router.route().last().handler(c -> error(c, 404, "no such endpoint: " + c.request().method() + " " + c.request().path()));
    router.errorHandler(500, c -> error(c, 500, "internal error: " + c.failure()));
    router.errorHandler(413, c -> error(c, 413, "request body too large"));
    router.errorHandler(400, c -> error(c, 400, "bad request"));
    try {
      HttpServer server =
          vertx.createHttpServer().requestHandler(router).listen(port, host).await(30, TimeUnit.SECONDS);
      LOG.info("aggregator API on http://{}:{}/api/runs", host, server.actualPort());
      return new ApiServer(vertx, server);
    } catch (Exception e) {
      vertx.close();
      throw new IllegalStateException("cannot serve the API on " + host + ":" + port + ": " + e.getMessage(), e);
    }
  }

  private static String run(RoutingContext c) {
    String id = c.pathParam("id");
    if (id == null || !RUN_ID.matcher(id).matches()) {
      throw ApiException.badRequest("run id must match " + RUN_ID.pattern());
    }
    return id;
  }

  private static void json(Vertx vertx, RoutingContext c, Callable<Object> work) {
    vertx
        .executeBlocking(work)
        .onSuccess(
            v ->
                c.response()
                    .putHeader("Content-Type", "application/json")
                    .end(v instanceof JsonObject o ? o.encode() : io.vertx.core.json.Json.encode(v)))
        .onFailure(
            e -> {
              if (e instanceof ApiException a) {
                if (a.location() != null) {
                  c.response().putHeader("Location", a.location());
                }
                error(c, a.status(), a.getMessage());
              } else if (e instanceof org.apache.kafka.streams.errors.InvalidStateStoreException) {
                error(c, 503, "state is being restored or moved; try again: " + e.getMessage());
              } else {
                LOG.warn("API request {} failed", c.request().path(), e);
                error(c, 500, "internal error: " + e);
              }
            });
  }

  static void error(RoutingContext c, int status, String message) {
    if (c.response().ended()) {
      return;
    }
    c.response()
        .setStatusCode(status)
        .putHeader("Content-Type", "application/json")
        .end(new JsonObject().put("error", message).put("status", status).encode());
  }

  public int port() {
    return server.actualPort();
  }

  @Override
  public void close() {
    try {
      vertx.close().await(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      LOG.debug("closing the API server: {}", e.toString());
    }
  }
}
