package dev.saescope.lab.cli;

import dev.saescope.runtime.sae.Sae;
import dev.saescope.runtime.sae.SparseLatents;
import dev.saescope.runtime.sae.io.SaeLoader;
import dev.saescope.runtime.sae.io.SaeSpec;
import dev.saescope.runtime.sae.npy.Npy;
import dev.saescope.runtime.sae.npy.NpyArray;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code saescope sae-encode --sae SPEC --input X.npy --out Z.npy}: encodes vectors saved by any
 * tool ({@code [n, d_in]} float32/float64) into dense {@code [n, d_sae]} float32 latents.
 */
@Command(
    name = "sae-encode",
    mixinStandardHelpOptions = true,
    description = {
      "Encodes [n, d_in] vectors from a .npy file with an SAE and writes the dense [n, d_sae]"
          + " float32 latents as .npy (interop with numpy/SAELens; a check of the encoder).",
      "--sae is a Gemma Scope params.npz, a Gemma Scope 2 folder, a SAELens folder, or"
          + " hf:owner/repo/path in the local Hugging Face cache."
    })
public final class SaeEncodeCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(
      names = "--sae",
      required = true,
      paramLabel = "SPEC",
      description = "The SAE (path or hf:owner/repo/path).")
  String sae;

  @Option(
      names = "--input",
      required = true,
      paramLabel = "X.npy",
      description = "[n, d_in] float32 or float64, C order.")
  Path input;

  @Option(
      names = "--out",
      required = true,
      paramLabel = "Z.npy",
      description = "Where to write [n, d_sae] float32.")
  Path out;

  @Option(
      names = "--offline",
      defaultValue = "${env:SAESCOPE_OFFLINE:-false}",
      description = "Never download (hf: specs must be in the local hub cache).")
  boolean offline;

  @Option(
      names = "--batch",
      defaultValue = "1024",
      description = "Rows per engine batch (default ${DEFAULT-VALUE}).")
  int batch;

  @Override
  public Integer call() {
    PrintWriter err = spec.commandLine().getErr();
    if (batch <= 0) {
      err.println("error: --batch must be positive");
      return 2;
    }
    try {
      Path saePath = SaeSpec.resolve(sae, offline);
      NpyArray x = Npy.read(input);
      long[] shape = x.shape();
      try (Sae s = Sae.create(SaeLoader.load(saePath))) {
        if (shape.length != 2 || shape[1] != s.dIn()) {
          err.println(
              "error: "
                  + input
                  + " holds "
                  + Arrays.toString(shape)
                  + " but SAE "
                  + sae
                  + " reads [n, "
                  + s.dIn()
                  + "]");
          return 2;
        }
        int n = (int) shape[0];
        Path tmp = out.resolveSibling(out.getFileName() + ".tmp");
        try (OutputStream o = new BufferedOutputStream(Files.newOutputStream(tmp), 1 << 20)) {
          Npy.writeHeader(o, new long[] {n, s.dSae()});
          for (int start = 0; start < n; start += batch) {
            int rows = Math.min(batch, n - start);
            float[] part = Arrays.copyOfRange(x.data(), start * s.dIn(), (start + rows) * s.dIn());
            SparseLatents z = s.encode(part, rows, batch);
            float[] dense = z.toDense();
            Npy.writeData(o, dense, 0, dense.length);
          }
        }
        Files.move(tmp, out, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        err.printf(
            "encoded %d rows with %s -> %s [%d, %d]%n",
            n, s.metadata().describe(), out, n, s.dSae());
      }
      return 0;
    } catch (IOException e) {
      err.println("error: " + e.getMessage());
      return 1;
    } catch (IllegalArgumentException e) {
      err.println("error: " + e.getMessage());
      return 2;
    }
  }
}
