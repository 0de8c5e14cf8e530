package dev.advmon.loadtest;

/**
 * One second of a run: the rate offered, frames the broker confirmed and outcomes read in that second, the
 * backlog at its end (confirmed frames without an outcome yet), and the latency percentiles and mean batch of
 * the outcomes read in it.
 */
record Sample(double tSeconds, String step, double offeredFps, double sentFps, double outcomesFps, long backlog,
    long p50Ms, long p99Ms, long p999Ms, double batchMean) {}
