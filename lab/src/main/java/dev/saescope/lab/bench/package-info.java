/**
 * Measurements for {@code saescope bench}: the fp32 matmul roofline of this machine through DJL,
 * matmul FLOP counts of the model, and the process's peak memory. It does not run the model itself
 * (see {@code model}) nor print anything (see {@code cli}).
 */
package dev.saescope.lab.bench;
