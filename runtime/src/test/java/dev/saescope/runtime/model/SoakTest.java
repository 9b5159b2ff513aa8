package dev.saescope.runtime.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Native memory stays flat over 200 batches (all sites at all layers, logits, lens). Runs {@link
 * SoakMain} in a child JVM with a fixed, pre-touched 128 MB heap, so the resident set measures
 * native memory and not Java garbage. One batch allocates ~3 MB of native activations, so a leak of
 * even a tenth of a batch would grow the resident set by ~50 MB over the 140 measured batches; we
 * allow 24 MB of drift (allocator caching, JIT code). Also no array may stay attached to the
 * weights' manager.
 */
class SoakTest {
  private static final Logger LOG = LoggerFactory.getLogger(SoakTest.class);

  @Test
  void nativeMemoryStaysFlatOver200Batches() throws Exception {
    String java = ProcessHandle.current().info().command().orElse("java");
    List<String> cmd =
        List.of(
            java,
            "-Xms128m",
            "-Xmx128m",
            "-XX:+AlwaysPreTouch",
            "-Dai.djl.offline=true",
            // one intra-op thread: tiny ops gain nothing from two, and on a shared, busy machine
            // OpenMP's spinning workers make the run 20x slower
            "-Dai.djl.pytorch.num_threads=1",
            "--enable-native-access=ALL-UNNAMED",
            "--add-modules=jdk.incubator.vector", // the lens's Vector API kernel, as ./saescope
            // runs it
            "-cp",
            System.getProperty("java.class.path"),
            SoakMain.class.getName(),
            HfGoldenTest.goldenDir("gemma3-tiny").toString(),
            "200");
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    List<long[]> samples = new ArrayList<>(); // {batch, rss, arrays}
    long arraysAtLoad = -1;
    StringBuilder log = new StringBuilder();
    try (BufferedReader r =
        new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
      for (String line; (line = r.readLine()) != null; ) {
        log.append(line).append('\n');
        String[] f = line.split(" ");
        if (f[0].equals("rss") && f.length == 4) {
          samples.add(
              new long[] {Long.parseLong(f[1]), Long.parseLong(f[2]), Long.parseLong(f[3])});
        } else if (f[0].equals("arrays-at-load")) {
          arraysAtLoad = Long.parseLong(f[1]);
        }
      }
    }
    assertTrue(p.waitFor(120, TimeUnit.SECONDS), "soak child did not finish");
    assertEquals(0, p.exitValue(), "soak child failed:\n" + log);
    assertEquals(10, samples.size(), "samples:\n" + log);
    long min = Long.MAX_VALUE;
    long max = 0;
    for (long[] s : samples) {
      assertEquals(
          arraysAtLoad, s[2], "arrays left attached to the weights' manager after batch " + s[0]);
      if (s[0] > 60) { // after warm-up (JIT, allocator caches)
        min = Math.min(min, s[1]);
        max = Math.max(max, s[1]);
      }
    }
    StringBuilder rss = new StringBuilder();
    samples.forEach(s -> rss.append(s[0]).append(':').append(s[1] >> 20).append("MB "));
    LOG.info("soak RSS by batch: {}", rss);
    assertTrue(
        max - min < 24L << 20,
        "RSS drifted by " + ((max - min) >> 20) + " MB after warm-up: " + rss);
  }
}
