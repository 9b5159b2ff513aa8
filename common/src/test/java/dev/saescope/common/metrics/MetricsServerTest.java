package dev.saescope.common.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;

/** The server serves both endpoints; a port or host it cannot use is an I/O error naming both. */
class MetricsServerTest {
  @Test
  void servesMetricsAndHealth() throws Exception {
    try (MetricsServer server =
        MetricsServer.start(
            MetricsServer.newRegistry("test"),
            "127.0.0.1",
            0,
            () -> new JsonObject().put("x", 1))) {
      HttpClient http = HttpClient.newHttpClient();
      HttpResponse<String> metrics =
          http.send(get(server, "/metrics"), HttpResponse.BodyHandlers.ofString());
      assertEquals(200, metrics.statusCode());
      assertTrue(metrics.body().contains("jvm_memory_used_bytes"), metrics.body());
      HttpResponse<String> health =
          http.send(get(server, "/health"), HttpResponse.BodyHandlers.ofString());
      assertEquals("{\"status\":\"up\",\"x\":1}", health.body());
    }
  }

  @Test
  void portInUseIsAnIoErrorNamingHostAndPort() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      int port = taken.getLocalPort();
      IOException e =
          assertThrows(
              IOException.class,
              () ->
                  MetricsServer.start(
                      MetricsServer.newRegistry("test"), "127.0.0.1", port, JsonObject::new));
      assertTrue(
          e.getMessage().startsWith("cannot serve metrics on 127.0.0.1:" + port + ": "),
          e.getMessage());
      assertTrue(
          e.getMessage().toLowerCase(java.util.Locale.ROOT).contains("in use"), e.getMessage());
    }
  }

  @Test
  void unresolvableHostIsAnIoErrorNamingTheHost() {
    IOException e =
        assertThrows(
            IOException.class,
            () ->
                MetricsServer.start(
                    MetricsServer.newRegistry("test"), "no-such-host.invalid", 0, JsonObject::new));
    assertEquals(
        "cannot serve metrics on no-such-host.invalid:0: host no-such-host.invalid does not resolve",
        e.getMessage());
  }

  private static HttpRequest get(MetricsServer server, String path) {
    return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path)).build();
  }
}
