/**
 * A run's report: {@link dev.saescope.aggregator.report.RunAnalysis} computes every table of
 * EXPERIMENTS.md §3-§5 from the run's observations into a {@link
 * dev.saescope.aggregator.report.RunReport}; {@link dev.saescope.aggregator.report.ReportFiles}
 * writes it as report.json, one CSV per table, SVG plots and report.html. The renderers only draw
 * data; the only I/O is {@code ReportFiles.write}.
 */
package dev.saescope.aggregator.report;
