/**
 * The worker module's command-line tools ({@code inspect-model}, {@code make-random-model}, {@code
 * bench}), as picocli commands that {@code dev.saescope.cli.Main} registers. They print; the work
 * is done by {@code model}, {@code weights}, {@code tokenizer} and {@code bench}.
 */
package dev.saescope.worker.cli;
