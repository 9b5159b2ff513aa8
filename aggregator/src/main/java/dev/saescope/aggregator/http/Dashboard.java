package dev.saescope.aggregator.http;

import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.StaticHandler;

/**
 * The dashboard's pages: static files of this module's {@code dashboard/} resources, and uPlot from
 * its WebJar. Every view has a real URL ({@code /runs/{id}}, {@code
 * /runs/{id}/latents/{layer}/{index}}, {@code /runs/{id}/items/{item}}) answered with the same
 * page, which reads the path (history API). {@link StaticHandler} serves only from its classpath
 * root and refuses {@code ..} in any spelling, so no file outside these resources is reachable.
 */
final class Dashboard {
  /** The uPlot WebJar's folder; its version must follow the root pom's {@code uplot.version}. */
  static final String UPLOT = "META-INF/resources/webjars/uplot/1.6.30/dist";

  private Dashboard() {}

  static void register(Router router) {
    for (String page :
        new String[] {
          "/", "/runs/:id", "/runs/:id/latents/:layer/:index", "/runs/:id/items/:item"
        }) {
      router.get(page).handler(c -> ApiServer.resource(c, "dashboard/index.html", "text/html"));
    }
    // Files change only with a new jar: no caching headers beyond Vert.x's defaults needed.
    router.get("/static/*").handler(StaticHandler.create("dashboard").setIncludeHidden(false));
    router.get("/webjars/uplot/*").handler(StaticHandler.create(UPLOT).setIncludeHidden(false));
  }
}
