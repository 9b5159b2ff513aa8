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
 * The aggregator's HTTP API on Vert.x Web, every endpoint documented in {@code openapi.yaml} (a
 * resource of this module, served at {@code /api/openapi.yaml}), plus the dashboard's static pages
 * ({@link Dashboard}). Every API answer is JSON; a bad request gets a 4xx JSON error naming the
 * problem and never reaches the stores. Store reads, report computation and publishing run off the
 * event loop ({@code executeBlocking}).
 */
public final class ApiServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ApiServer.class);

  /** Run ids as the producer makes them; anything else is refused before any lookup. */
  static final Pattern RUN_ID = dev.saescope.aggregator.service.RunFolders.RUN_ID;

  private final Vertx vertx;
  private final HttpServer server;
  private final Router router;
  private final PromptIntake prompts;

  private ApiServer(Vertx vertx, HttpServer server, Router router, PromptIntake prompts) {
    this.vertx = vertx;
    this.server = server;
    this.router = router;
    this.prompts = prompts;
  }

  /**
   * Starts serving; port 0 picks a free one.
   *
   * @throws IllegalStateException naming host and port when they cannot be bound
   */
  public static ApiServer start(
      AggregatorApi api,
      RunViews views,
      PromptIntake prompts,
      PrometheusMeterRegistry registry,
      String host,
      int port) {
    api.countSubmitted(prompts::submittedTasks);
    Vertx vertx = Vertx.vertx();
    Router router = Router.router(vertx);
    router.route().handler(ApiServer::securityHeaders);
    // Only POST /api/prompts carries a body; a small limit keeps a client from making us buffer
    // one.
    router.route().handler(BodyHandler.create().setBodyLimit(PromptIntake.MAX_BODY_BYTES));
    router.get("/api/runs").handler(c -> json(vertx, c, api::runs));
    router
        .get("/api/runs/:id/summary")
        .handler(c -> json(vertx, c, () -> api.summary(run(c), c.request().path())));
    router
        .get("/api/runs/:id/report")
        .handler(c -> json(vertx, c, () -> api.report(run(c), c.request().path())));
    router
        .get("/api/runs/:id/layers")
        .handler(c -> json(vertx, c, here(api, c, () -> views.layers(run(c)))));
    router
        .get("/api/runs/:id/latents")
        .handler(
            c ->
                json(
                    vertx,
                    c,
                    here(
                        api,
                        c,
                        () ->
                            views.latents(
                                run(c),
                                intParam(c, "layer", c.queryParams().get("layer"), 0, 1 << 10),
                                RunViews.Sort.parse(c.queryParams().get("sort")),
                                text(c.queryParams().get("q"), "q", 200),
                                c.queryParams().get("limit") == null
                                    ? 50
                                    : intParam(
                                        c,
                                        "limit",
                                        c.queryParams().get("limit"),
                                        1,
                                        RunViews.MAX_LIMIT)))));
    router
        .get("/api/runs/:id/latents/:layer/:index")
        .handler(
            c ->
                json(
                    vertx,
                    c,
                    here(
                        api,
                        c,
                        () ->
                            views.card(
                                run(c),
                                intParam(c, "layer", c.pathParam("layer"), 0, 1 << 10),
                                intParam(c, "index", c.pathParam("index"), 0, 1 << 24)))));
    router
        .get("/api/runs/:id/items/:item")
        .handler(
            c ->
                json(
                    vertx,
                    c,
                    here(
                        api,
                        c,
                        () -> views.item(run(c), text(c.pathParam("item"), "item id", 256)))));
    router.get("/api/runs/:id/events").handler(c -> events(vertx, api, c));
    router.post("/api/prompts").handler(c -> prompt(vertx, prompts, c));
    router.get("/api/openapi.yaml").handler(c -> resource(c, "openapi.yaml", "application/yaml"));
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
                                .putHeader(
                                    "Content-Type", "text/plain; version=0.0.4; charset=utf-8")
                                .end(t))
                    .onFailure(c::fail));
    Dashboard.register(router);
    router
        .route()
        .last()
        .handler(
            c ->
                error(
                    c,
                    404,
                    "no such endpoint: " + c.request().method() + " " + c.request().path()));
    router.errorHandler(500, c -> error(c, 500, "internal error: " + c.failure()));
    router.errorHandler(413, c -> error(c, 413, "request body too large"));
    router.errorHandler(400, c -> error(c, 400, "bad request"));
    router.errorHandler(405, c -> error(c, 405, "method not allowed"));
    try {
      HttpServer server =
          vertx
              .createHttpServer()
              .requestHandler(router)
              .invalidRequestHandler(
                  r -> r.response().setStatusCode(400).end("{\"error\":\"malformed request\"}"))
              .listen(port, host)
              .await(30, TimeUnit.SECONDS);
      LOG.info("aggregator API on http://{}:{}/api/runs", host, server.actualPort());
      return new ApiServer(vertx, server, router, prompts);
    } catch (Exception e) {
      vertx.close();
      throw new IllegalStateException(
          "cannot serve the API on " + host + ":" + port + ": " + e.getMessage(), e);
    }
  }

  /**
   * Every route this server registered, as {@code "get /api/runs/{id}/summary"}: what the OpenAPI
   * file must document.
   */
  public java.util.SortedSet<String> routes() {
    java.util.TreeSet<String> out = new java.util.TreeSet<>();
    for (io.vertx.ext.web.Route r : router.getRoutes()) {
      if (r.getPath() == null || r.methods() == null || r.methods().isEmpty()) {
        continue; // handlers for every request (headers, bodies, the 404) are no endpoints
      }
      if (!r.isExactPath()) {
        continue; // static files under a prefix (/static/*, /webjars/*) are no API endpoints
      }
      String path = r.getPath().replaceAll(":([A-Za-z_]+)", "{$1}");
      r.methods().forEach(m -> out.add(m.name().toLowerCase(java.util.Locale.ROOT) + " " + path));
    }
    return out;
  }

  /** Headers on every answer: no inline script, no framing, no type sniffing. */
  private static void securityHeaders(RoutingContext c) {
    c.response()
        .putHeader("Content-Security-Policy", CSP)
        .putHeader("X-Content-Type-Options", "nosniff")
        .putHeader("Referrer-Policy", "no-referrer")
        .putHeader("X-Frame-Options", "DENY");
    c.next();
  }

  /** Scripts and styles from this origin only; nothing inline, no plugins, no framing. */
  static final String CSP =
      "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:;"
          + " connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self';"
          + " frame-ancestors 'none'";

  /** The run's owner answers, or a redirect is thrown before the view runs. */
  /** {@code view}, once this instance is known to hold the run (else a redirect to its owner). */
  private static Callable<Object> here(AggregatorApi api, RoutingContext c, Callable<Object> view) {
    return () -> {
      api.requireHere(run(c), c.request().uri());
      return view.call();
    };
  }

  private static int intParam(RoutingContext c, String name, String v, int min, int max) {
    if (v == null) {
      throw ApiException.badRequest("parameter '" + name + "' is required (an integer)");
    }
    try {
      int i = Integer.parseInt(v);
      if (i < min || i > max) {
        throw ApiException.badRequest(
            "parameter '" + name + "' must be in [" + min + ", " + max + "], got " + i);
      }
      return i;
    } catch (NumberFormatException e) {
      throw ApiException.badRequest("parameter '" + name + "' must be an integer, got '" + v + "'");
    }
  }

  /** Text from a path or query: bounded, no control characters; null stays null. */
  private static String text(String v, String name, int max) {
    if (v == null) {
      return null;
    }
    if (v.length() > max || v.chars().anyMatch(ch -> ch < 0x20 || ch == 0x7f)) {
      throw ApiException.badRequest(
          name + " must be at most " + max + " characters without control characters");
    }
    return v;
  }

  private static void prompt(Vertx vertx, PromptIntake prompts, RoutingContext c) {
    String client = c.request().remoteAddress() == null ? "?" : c.request().remoteAddress().host();
    String run = c.queryParams().get("run");
    json(
        vertx,
        c,
        () -> {
          prompts.admit(client);
          String r = run == null ? PromptIntake.DEFAULT_RUN : run;
          if (!RUN_ID.matcher(r).matches()) {
            throw ApiException.badRequest("run must match " + RUN_ID.pattern());
          }
          return prompts.submit(r, c.body().asString());
        },
        202);
  }

  /**
   * Server-sent events: the run's summary as {@code event: progress} whenever its tasks done change
   * (checked every second), and a comment every 15 s to keep proxies from closing it.
   */
  private static void events(Vertx vertx, AggregatorApi api, RoutingContext c) {
    String run;
    try {
      run = run(c);
    } catch (ApiException e) {
      error(c, e.status(), e.getMessage());
      return;
    }
    String path = c.request().path();
    c.response()
        .setChunked(true)
        .putHeader("Content-Type", "text/event-stream")
        .putHeader("Cache-Control", "no-cache");
    c.response().write(": progress of " + run + "\n\n");
    long[] last = {-1, 0};
    long timer =
        vertx.setPeriodic(
            0,
            1000,
            id ->
                vertx
                    .executeBlocking(() -> api.summary(run, path))
                    .onSuccess(
                        s -> {
                          long done = s.getLong("tasks_done", 0L);
                          last[1]++;
                          if (done != last[0]) {
                            last[0] = done;
                            c.response().write("event: progress\ndata: " + s.encode() + "\n\n");
                          } else if (last[1] % 15 == 0) {
                            c.response().write(": alive\n\n");
                          }
                        })
                    .onFailure(
                        e -> {
                          String m = e.getMessage() == null ? e.toString() : e.getMessage();
                          c.response()
                              .write(
                                  "event: error\ndata: "
                                      + new JsonObject().put("error", m).encode()
                                      + "\n\n");
                        }));
    c.request().connection().closeHandler(v -> vertx.cancelTimer(timer));
    c.response().closeHandler(v -> vertx.cancelTimer(timer));
  }

  /** A file of the aggregator's own resources. */
  static void resource(RoutingContext c, String name, String type) {
    try (java.io.InputStream in = ApiServer.class.getResourceAsStream("/" + name)) {
      if (in == null) {
        error(c, 404, "no resource " + name);
        return;
      }
      c.response()
          .putHeader("Content-Type", type)
          .end(io.vertx.core.buffer.Buffer.buffer(in.readAllBytes()));
    } catch (java.io.IOException e) {
      error(c, 500, "reading resource " + name + ": " + e.getMessage());
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
    json(vertx, c, work, 200);
  }

  private static void json(Vertx vertx, RoutingContext c, Callable<Object> work, int status) {
    vertx
        .executeBlocking(work)
        .onSuccess(
            v ->
                c.response()
                    .setStatusCode(status)
                    .putHeader("Content-Type", "application/json")
                    .end(
                        v instanceof JsonObject o ? o.encode() : io.vertx.core.json.Json.encode(v)))
        .onFailure(
            e -> {
              if (e instanceof ApiException a) {
                if (a.location() != null) {
                  c.response().putHeader("Location", a.location());
                }
                if (a.retryAfterSeconds() >= 0) {
                  c.response().putHeader("Retry-After", Long.toString(a.retryAfterSeconds()));
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
    prompts.close();
    try {
      vertx.close().await(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      LOG.debug("closing the API server: {}", e.toString());
    }
  }
}
