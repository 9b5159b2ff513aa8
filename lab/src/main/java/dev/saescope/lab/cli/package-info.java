/**
 * The lab's commands: inspect-model, make-random-model, fetch-model, sae-encode, sae-eval, train-
 * sae, fetch-sae, bench model and bench sae. They parse options, call the runtime and the lab,
 * print results and return exit codes; no model or SAE logic lives here.
 */
package dev.saescope.lab.cli;
