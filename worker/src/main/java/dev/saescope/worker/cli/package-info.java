/**
 * ./saescope worker: options, loading the model and SAEs, the metrics endpoint and the SIGTERM
 * handling around the worker loop; exit codes as the command's help documents. The loop is service,
 * the computation compute.
 */
package dev.saescope.worker.cli;
