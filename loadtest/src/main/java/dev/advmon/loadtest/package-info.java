/**
 * The load tester ({@code ./loadtest/run}): replays labelled frames for N cameras at a target rate against the
 * monitor, reads the verdicts as a downstream service would (read_committed), and measures end-to-end latency
 * (from the frame's scheduled send time to verdict readable, both on this JVM's monotonic clock, in HdrHistogram),
 * throughput, and whether the lag stayed bounded;
 * writes {@code report.json}, a Markdown summary and PNG plots. {@code benchmark} runs the whole Pipeline
 * measurement of BENCHMARKS.md in one go.
 */
package dev.advmon.loadtest;
