package dev.saescope.producer.cli;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import picocli.CommandLine;

/** Runs {@code produce} in-process, capturing stdout and stderr. */
record Run(int exit, String out, String err) {
  static Run produce(String... args) {
    return withStdin(new ByteArrayInputStream(new byte[0]), args);
  }

  static Run withStdin(String stdin, String... args) {
    return withStdin(new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)), args);
  }

  static Run withStdin(InputStream stdin, String... args) {
    ProduceCommand cmd = new ProduceCommand();
    cmd.stdin = stdin;
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cl = new CommandLine(cmd);
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(err, true));
    int exit = cl.execute(args);
    return new Run(exit, out.toString(), err.toString());
  }
}
