package dev.saescope.lab.cli;

import dev.saescope.runtime.sae.Sae;
import dev.saescope.runtime.sae.SparseLatents;
import dev.saescope.runtime.sae.io.SaeLoader;
import dev.saescope.runtime.sae.io.SaeSpec;
import dev.saescope.runtime.sae.npy.Npy;
import dev.saescope.runtime.sae.npy.NpyArray;
import dev.saescope.runtime.sae.npy.NpyException;
import dev.saescope.runtime.weights.WeightsException;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Optional;
import java.util.UUID;
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
    },
    exitCodeListHeading = "Exit codes:%n",
    exitCodeList = {
      "0:the latents were written",
      "1:a file could not be read or written",
      "2:bad options (--out a folder, in a missing folder, or the --input file), or an SAE or"
          + " input that cannot be used; the message names it"
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
      description =
          "The .npy file to write [n, d_sae] float32 to (replaced if it exists; its folder must"
              + " exist, and it must not be --input).")
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
      Optional<String> badOut = outProblem();
      if (badOut.isPresent()) {
        err.println("error: " + badOut.get());
        return 2;
      }
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
        writeLatents(s, x, n);
        err.printf(
            "encoded %d rows with %s -> %s [%d, %d]%n",
            n, s.metadata().describe(), out, n, s.dSae());
      }
      return 0;
    } catch (WeightsException | NpyException e) {
      err.println("error: " + e.getMessage()); // a bad SAE or input file
      return 2;
    } catch (IOException e) {
      err.println("error: " + e.getMessage());
      return 1;
    } catch (IllegalArgumentException e) {
      err.println("error: " + e.getMessage());
      return 2;
    }
  }

  /**
   * Why {@code --out} cannot be written, if it cannot; checked before any work, so a bad path costs
   * nothing and leaves nothing behind.
   */
  private Optional<String> outProblem() throws IOException {
    if (Files.isDirectory(out)) {
      return Optional.of(
          "--out "
              + out
              + " is a directory; give the file to write, e.g. "
              + out.resolve("latents.npy"));
    }
    Path folder = out.toAbsolutePath().getParent();
    if (folder == null || !Files.isDirectory(folder)) {
      return Optional.of("--out " + out + ": the folder " + folder + " does not exist");
    }
    boolean same =
        out.toAbsolutePath().normalize().equals(input.toAbsolutePath().normalize())
            || (Files.exists(out) && Files.exists(input) && Files.isSameFile(out, input));
    if (same) {
      return Optional.of(
          "--out " + out + " is the --input file; writing the latents would overwrite the input");
    }
    return Optional.empty();
  }

  /**
   * Writes {@code [n, d_sae]} float32 to a temporary file beside {@code --out} and moves it into
   * place, so a reader never sees half a file; the temporary file is removed if anything fails.
   */
  private void writeLatents(Sae s, NpyArray x, int n) throws IOException {
    Path tmp =
        out.resolveSibling(
            out.getFileName() + "." + UUID.randomUUID().toString().substring(0, 8) + ".tmp");
    boolean moved = false;
    try {
      try (OutputStream o =
          new BufferedOutputStream(
              Files.newOutputStream(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE),
              1 << 20)) {
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
      moved = true;
    } finally {
      if (!moved) {
        Files.deleteIfExists(tmp);
      }
    }
  }
}
