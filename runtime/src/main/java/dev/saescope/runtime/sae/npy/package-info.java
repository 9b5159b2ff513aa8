/**
 * NumPy {@code .npy} and {@code .npz} files of float32/float64 arrays: the format Gemma Scope ships
 * its SAEs in and the format {@code sae-encode} exchanges vectors with Python tools. It does not
 * know what the arrays mean.
 */
package dev.saescope.runtime.sae.npy;
