package dev.saescope.worker.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.saescope.runtime.model.HookPoint;
import dev.saescope.runtime.model.Site;
import dev.saescope.runtime.sae.Activation;
import dev.saescope.runtime.sae.SaeParams;
import dev.saescope.runtime.sae.io.SaeLensWriter;
import dev.saescope.worker.service.TinyWorld;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * Fatal start-up problems end the worker with a message naming the problem and a documented exit
 * code.
 */
class WorkerCommandTest {
  @TempDir static Path dir;
  static TinyWorld world;

  @BeforeAll
  static void build() throws IOException {
    world = TinyWorld.create(dir);
  }

  private record Run(int code, String err) {}

  private static Run run(String... args) {
    StringWriter err = new StringWriter();
    int code =
        new CommandLine(new WorkerCommand()).setErr(new PrintWriter(err, true)).execute(args);
    return new Run(code, err.toString());
  }

  @Test
  void missingModelIsFatalWithExitCode2() {
    Run r = run("--model", dir.resolve("no-such-model").toString(), "--metrics-port", "-1");
    assertEquals(2, r.code(), r.err());
    assertTrue(r.err().contains("no-such-model"), r.err());
  }

  @Test
  void truncatedSaeIsFatalWithExitCode2() throws IOException {
    Path bad = dir.resolve("bad-sae");
    Files.createDirectories(bad);
    Files.copy(world.saeDir.resolve("cfg.json"), bad.resolve("cfg.json"));
    byte[] weights = Files.readAllBytes(world.saeDir.resolve("sae_weights.safetensors"));
    Files.write(
        bad.resolve("sae_weights.safetensors"),
        java.util.Arrays.copyOf(weights, weights.length / 2));
    Run r =
        run("--model", world.modelDir.toString(), "--sae", bad.toString(), "--metrics-port", "-1");
    assertEquals(2, r.code(), r.err());
    assertTrue(r.err().contains("sae_weights.safetensors"), r.err());
  }

  @Test
  void badLayerListIsFatalWithExitCode2() {
    Run r = run("--model", world.modelDir.toString(), "--layers", "0-9", "--metrics-port", "-1");
    assertEquals(2, r.code(), r.err());
    assertTrue(r.err().contains("--layers"), r.err());
  }

  @Test
  void badOptionsExitWith1() {
    Run r =
        run("--model", world.modelDir.toString(), "--batch-tokens", "0", "--metrics-port", "-1");
    assertEquals(1, r.code(), r.err());
    assertTrue(r.err().contains("--batch-tokens"), r.err());
  }

  /** A tiny TopK SAE of the model's width (64) that says it reads {@code hook}, or nothing. */
  private static Path sae(String name, Optional<HookPoint> hook) throws IOException {
    Random r = new Random(5);
    int dIn = 64;
    int dSae = 16;
    float[] wEnc = new float[dIn * dSae];
    float[] wDec = new float[dSae * dIn];
    for (int i = 0; i < wEnc.length; i++) {
      wEnc[i] = (float) r.nextGaussian() * 0.2f;
      wDec[i] = (float) r.nextGaussian() * 0.2f;
    }
    Path out = dir.resolve(name);
    SaeLensWriter.save(
        SaeParams.of(
            "tiny",
            hook,
            dIn,
            dSae,
            new Activation.TopK(4),
            false,
            name,
            wEnc,
            new float[dSae],
            wDec,
            new float[dIn],
            null),
        out);
    return out;
  }

  /** Fails fast (no broker) if the worker gets past its start-up checks. */
  private static final String[] NO_BROKER = {
    "--metrics-port", "-1", "--bootstrap-servers", "127.0.0.1:1", "--broker-timeout", "3"
  };

  private static String[] with(String[] extra, String... args) {
    String[] all = java.util.Arrays.copyOf(args, args.length + extra.length);
    System.arraycopy(extra, 0, all, args.length, extra.length);
    return all;
  }

  private static void assertNoStackTrace(Run r) {
    assertFalse(r.err().contains("\tat "), "a message, not a stack trace:\n" + r.err());
  }

  @Test
  void saeConfiguredForALayerTheModelLacksIsFatalWithExitCode2() throws IOException {
    Path sae = sae("sae-layer-99", Optional.of(new HookPoint(99, Site.RESID_POST)));
    Run r = run(with(NO_BROKER, "--model", world.modelDir.toString(), "--sae", sae.toString()));
    assertEquals(2, r.code(), r.err());
    assertTrue(r.err().contains("--sae " + sae), r.err());
    assertTrue(r.err().contains("reads layers.99.resid_post"), r.err());
    assertTrue(r.err().contains("has 2 layers (0..1)"), r.err());
  }

  @Test
  void saeSpecForALayerTheModelLacksIsFatalWithExitCode2() throws IOException {
    Path sae = sae("sae-no-hook", Optional.empty());
    Run r =
        run(with(NO_BROKER, "--model", world.modelDir.toString(), "--sae", sae + "#99:resid_post"));
    assertEquals(2, r.code(), r.err());
    assertTrue(r.err().contains("--sae " + sae + "#99:resid_post"), r.err());
    assertTrue(r.err().contains("has 2 layers (0..1)"), r.err());
  }

  @Test
  void zeroPartitionsExitWith1() {
    Run r = run(with(NO_BROKER, "--model", world.modelDir.toString(), "--partitions", "0"));
    assertEquals(1, r.code(), r.err());
    assertTrue(r.err().contains("--partitions 0 must be at least 1"), r.err());
    assertNoStackTrace(r);
  }

  @Test
  void metricsPortOutsideTheRangeExitsWith1() {
    Run r =
        run(
            "--model",
            world.modelDir.toString(),
            "--metrics-port",
            "70000",
            "--bootstrap-servers",
            "127.0.0.1:1",
            "--broker-timeout",
            "3");
    assertEquals(1, r.code(), r.err());
    assertTrue(r.err().contains("--metrics-port 70000 is not a port"), r.err());
    assertNoStackTrace(r);
  }

  /** The model does not exist: these checks must come first, or the load would fail instead. */
  @Test
  void metricsPortInUseExitsWith1BeforeTheModelLoads() throws IOException {
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      int port = taken.getLocalPort();
      Run r =
          run(
              "--model",
              dir.resolve("no-such-model").toString(),
              "--metrics-port",
              Integer.toString(port),
              "--bootstrap-servers",
              "127.0.0.1:1");
      assertEquals(1, r.code(), r.err());
      assertTrue(r.err().contains("cannot serve metrics on 127.0.0.1:" + port), r.err());
      assertTrue(r.err().contains("--metrics-port"), r.err());
      assertNoStackTrace(r);
    }
  }

  @Test
  void unresolvableMetricsHostExitsWith1BeforeTheModelLoads() {
    Run r =
        run(
            "--model",
            dir.resolve("no-such-model").toString(),
            "--metrics-host",
            "no-such-host.invalid",
            "--metrics-port",
            "0",
            "--bootstrap-servers",
            "127.0.0.1:1");
    assertEquals(1, r.code(), r.err());
    assertTrue(r.err().contains("host no-such-host.invalid does not resolve"), r.err());
    assertNoStackTrace(r);
  }

  @Test
  void unresolvableBootstrapHostExitsWith3BeforeTheModelLoads() {
    Run r =
        run(
            "--model",
            dir.resolve("no-such-model").toString(),
            "--metrics-port",
            "-1",
            "--bootstrap-servers",
            "no-such-host.invalid:9092");
    assertEquals(3, r.code(), r.err());
    assertTrue(
        r.err()
            .contains(
                "--bootstrap-servers no-such-host.invalid:9092: no host resolves"
                    + " (no-such-host.invalid)"),
        r.err());
  }

  @Test
  void bootstrapIsRefusedOnlyWhenNoHostResolves() {
    assertEquals(List.of(), StartChecks.unresolvedHosts("127.0.0.1:9092"));
    assertEquals(List.of(), StartChecks.unresolvedHosts("[::1]:9092"));
    assertEquals(List.of(), StartChecks.unresolvedHosts("a.invalid:1, 127.0.0.1:2"));
    assertEquals(
        List.of("a.invalid", "b.invalid"), StartChecks.unresolvedHosts("a.invalid:1,b.invalid:2"));
  }

  @Test
  void absentBrokerIsReportedWithinTheTimeout() {
    long t0 = System.nanoTime();
    Run r =
        run(
            "--model",
            world.modelDir.toString(),
            "--metrics-port",
            "-1",
            "--bootstrap-servers",
            "127.0.0.1:1",
            "--broker-timeout",
            "3");
    assertEquals(3, r.code(), r.err());
    assertTrue(r.err().contains("127.0.0.1:1"), r.err());
    assertTrue((System.nanoTime() - t0) / 1e9 < 60, "bounded time");
  }
}
