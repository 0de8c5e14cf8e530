package dev.advmon.loadtest;

/**
 * One second of a run: the rate offered, frames the broker confirmed and outcomes read in that second, the
 * backlog at its end (confirmed frames without an outcome yet), and the latency percentiles and mean batch of
 * the outcomes read in it. The percentiles are null for a second in which no latency was recorded: not 0 ms.
 */
record Sample(double tSeconds, String step, double offeredFps, double sentFps, double outcomesFps, long backlog,
    Long p50Ms, Long p99Ms, Long p999Ms, double batchMean) {}
