/**
 * Where and in which precision a model and its SAEs run: the {@code --dtype} and {@code --device}
 * choices, and the run-time detection behind {@code auto}. It does not move arrays itself.
 */
package dev.saescope.runtime.device;
