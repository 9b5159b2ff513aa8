package dev.saescope.lab.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import picocli.CommandLine;

/** A command run in-process: its exit code and what it printed on stdout and stderr. */
record CommandRun(int code, String out, String err) {
  static CommandRun run(Object command, String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cl = new CommandLine(command);
    cl.setOut(new PrintWriter(out));
    cl.setErr(new PrintWriter(err));
    int code = cl.execute(args);
    return new CommandRun(code, out.toString(), err.toString());
  }
}
