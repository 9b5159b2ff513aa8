package dev.saescope.cli;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * docker-compose.yml publishes ports on 127.0.0.1 only: Kafka there is plaintext without
 * authentication and Grafana admits anonymous viewers. Exposing one is a deliberate override.
 */
class ComposePortsTest {
  @Test
  void everyPublishedPortIsBoundToLoopback() throws IOException {
    JsonNode services =
        MonitoringContractTest.yaml(MonitoringContractTest.repoRoot().resolve("docker-compose.yml"))
            .get("services");
    List<String> published = new ArrayList<>();
    List<String> open = new ArrayList<>();
    for (Map.Entry<String, JsonNode> s : services.properties()) {
      for (JsonNode port : s.getValue().path("ports")) {
        String binding = s.getKey() + " " + port.asText();
        published.add(binding);
        if (!port.asText().startsWith("127.0.0.1:")) {
          open.add(binding);
        }
      }
    }
    assertFalse(published.isEmpty(), "docker-compose.yml publishes no ports at all");
    assertTrue(open.isEmpty(), "published on every interface: " + open);
  }
}
