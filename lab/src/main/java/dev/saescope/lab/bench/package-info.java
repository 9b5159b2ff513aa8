/**
 * Measurements for ./saescope bench: the fp32 matmul roofline of this machine through DJL, matmul
 * FLOP counts of the model, the model and SAE benchmarks as records (ModelBench, SaeBench) and
 * their reports, and the process's CPU time and peak memory. Commands and printing options are
 * lab.cli's.
 */
package dev.saescope.lab.bench;
