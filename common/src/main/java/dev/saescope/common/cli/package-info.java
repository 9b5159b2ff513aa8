/**
 * Command-line pieces shared by several roles: ./saescope tail (decoded messages of any saescope
 * topic as JSON lines; read-only, it joins no consumer group and commits nothing) and the
 * --model/--tokenizer/--offline options of every command that runs a model.
 */
package dev.saescope.common.cli;
