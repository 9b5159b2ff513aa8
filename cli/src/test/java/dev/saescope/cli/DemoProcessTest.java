package dev.saescope.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.saescope.common.testing.Sigint;
import dev.saescope.worker.service.TinyWorld;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code saescope demo} as users run it, a process of its own with worker child processes, on a
 * two-layer random Gemma 3-style model and a random SAE ({@link TinyWorld}) over the repository's
 * knowledge-neurons facts: the same seed gives the same report, and Ctrl-C (SIGINT) at any moment
 * leaves no process and no port behind.
 */
class DemoProcessTest {
  private static final Duration RUN_TIMEOUT = Duration.ofMinutes(6);
  private static final Pattern DASHBOARD = Pattern.compile("dashboard: http://127.0.0.1:(\\d+)/");

  @TempDir Path dir;
  private TinyWorld world;
  private final List<Process> started = new ArrayList<>();

  @BeforeEach
  void world() throws IOException {
    world = TinyWorld.create(dir.resolve("world"));
  }

  /** Whatever a failed test left running: the demo and its workers. */
  @AfterEach
  void killLeftovers() {
    for (Process p : started) {
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly();
    }
  }

  /** A running demo: its process and where its stdout and stderr go. */
  private record Demo(Process process, Path stdout, Path stderr) {
    String out() throws IOException {
      return Files.readString(stdout);
    }

    String err() throws IOException {
      return Files.readString(stderr);
    }
  }

  private Demo start(String name, String... extra) throws IOException {
    List<String> cmd =
        SaescopeJvm.command(
            "demo",
            "--model",
            world.modelDir.toString(),
            "--sae",
            world.saeDir.toString(),
            "--data",
            MonitoringContractTest.repoRoot().resolve("datasets/knowledge-neurons").toString(),
            "--items",
            "4",
            "--workers",
            "2",
            "--http-port",
            "0",
            "--metrics-port",
            "0",
            "--out",
            dir.resolve("runs").toString(),
            "--run-id",
            name);
    cmd.addAll(List.of(extra));
    Path stdout = dir.resolve(name + ".out");
    Path stderr = dir.resolve(name + ".err");
    Process p =
        new ProcessBuilder(Sigint.restored(cmd))
            .redirectOutput(stdout.toFile())
            .redirectError(stderr.toFile())
            .start();
    started.add(p);
    return new Demo(p, stdout, stderr);
  }

  private static void awaitExit(Demo d, int code) throws Exception {
    if (!d.process().waitFor(RUN_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
      d.process().destroyForcibly();
      fail("the demo did not finish in " + RUN_TIMEOUT + "; stderr:\n" + d.err());
    }
    assertEquals(code, d.process().exitValue(), "exit code; stderr:\n" + d.err());
  }

  private JsonNode reportWithoutRunId(String run) throws IOException {
    ObjectNode r =
        (ObjectNode)
            new ObjectMapper()
                .readTree(dir.resolve("runs").resolve(run).resolve("report.json").toFile());
    assertEquals(run, r.path("run_id").asText());
    r.remove("run_id");
    return r;
  }

  /** The JSON pointers where {@code a} and {@code b} differ, with both values. */
  private static void differences(JsonNode a, JsonNode b, String at, List<String> out) {
    if (a.isContainerNode() && a.getNodeType() == b.getNodeType() && a.size() == b.size()) {
      if (a.isArray()) {
        for (int i = 0; i < a.size(); i++) {
          differences(a.get(i), b.get(i), at + "/" + i, out);
        }
      } else {
        a.fieldNames().forEachRemaining(f -> differences(a.get(f), b.path(f), at + "/" + f, out));
      }
    } else if (!a.equals(b)) {
      out.add(at + ": " + a + " vs " + b);
    }
  }

  @Test
  void twoRunsWithTheSameSeedGiveTheSameReportAndTheTerminalShowsOnlyTheDemosLines()
      throws Exception {
    Demo first = start("first", "--no-serve");
    awaitExit(first, 0);
    Demo second = start("second", "--no-serve");
    awaitExit(second, 0);

    JsonNode report = reportWithoutRunId("first");
    List<String> differences = new ArrayList<>();
    differences(report, reportWithoutRunId("second"), "", differences);
    assertEquals(List.of(), differences, "where the two reports differ");
    assertEquals(4, report.path("items").asInt(), "items streamed");
    String out = first.out();
    for (String experiment : List.of("E1a", "E1c", "E2a", "E2b", "E2c", "E3b")) {
      assertTrue(
          out.lines().anyMatch(l -> l.startsWith(experiment + " ")), experiment + ":\n" + out);
    }
    assertTrue(out.contains("report:    " + dir.resolve("runs/first/report.html")), out);
    Path logs = dir.resolve("runs/first/logs");
    for (String log : List.of("demo.log", "worker-1.log", "worker-2.log")) {
      assertTrue(Files.size(logs.resolve(log)) > 0, log + " is empty");
    }
    assertTrue(Files.readString(logs.resolve("worker-1.log")).contains("joined group"));
    String terminal = first.err();
    assertFalse(
        terminal.lines().anyMatch(l -> l.matches("\\d\\d:\\d\\d:\\d\\d\\.\\d+ +(INFO|WARN).*")),
        "log lines on the terminal:\n" + terminal);
    assertTrue(terminal.contains("tasks analysed (100%)"), terminal);
  }

  @Test
  void ctrlCWhileServingStopsEveryProcessAndFreesThePort() throws Exception {
    Demo d = start("serving");
    int port = awaitDashboard(d);
    HttpResponse<String> page =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/")).build(),
                HttpResponse.BodyHandlers.ofString());
    assertEquals(200, page.statusCode());
    interruptAndCheckNothingIsLeft(d, List.of(port));
  }

  @Test
  void ctrlCWhileStreamingStopsEveryProcess() throws Exception {
    Demo d = start("streaming", "--no-serve");
    long deadline = System.nanoTime() + RUN_TIMEOUT.toNanos();
    while (!d.err().contains("[3/5] streaming")) {
      assertTrue(d.process().isAlive(), "the demo exited early:\n" + d.err());
      assertTrue(System.nanoTime() < deadline, "no streaming phase:\n" + d.err());
      Thread.sleep(100);
    }
    interruptAndCheckNothingIsLeft(d, List.of());
  }

  private int awaitDashboard(Demo d) throws Exception {
    long deadline = System.nanoTime() + RUN_TIMEOUT.toNanos();
    while (System.nanoTime() < deadline) {
      Matcher m = DASHBOARD.matcher(d.out());
      if (m.find()) {
        return Integer.parseInt(m.group(1));
      }
      assertTrue(d.process().isAlive(), "the demo exited before serving:\n" + d.err());
      Thread.sleep(200);
    }
    return fail("no dashboard URL:\n" + d.err());
  }

  /**
   * SIGINT, as Ctrl-C sends it; then no descendant alive and the ports free. Where the demo still
   * ignores SIGINT ({@link Sigint}: inherited, and env cannot reset it), SIGTERM, which runs the
   * same shutdown hooks, stands in.
   */
  private static void interruptAndCheckNothingIsLeft(Demo d, List<Integer> ports) throws Exception {
    List<ProcessHandle> family = d.process().descendants().toList();
    assertEquals(
        2, family.size(), "the two workers are the demo's only child processes: " + family);
    String signal = Sigint.ignoredBy(d.process().pid()) ? "-TERM" : "-INT";
    new ProcessBuilder("kill", signal, String.valueOf(d.process().pid())).start().waitFor();
    if (!d.process().waitFor(120, TimeUnit.SECONDS)) {
      d.process().destroyForcibly();
      fail("the demo did not stop within 120 s of SIGINT:\n" + d.err());
    }
    for (ProcessHandle h : family) {
      h.onExit().get(30, TimeUnit.SECONDS);
      assertFalse(h.isAlive(), "still running after the demo stopped: " + h.info());
    }
    for (int port : ports) {
      try (ServerSocket s = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
        assertEquals(port, s.getLocalPort());
      }
    }
  }
}
