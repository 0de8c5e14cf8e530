package dev.advmon.loadtest;

/**
 * One step of a run at a constant offered rate: what was offered and achieved, how the backlog moved, the lag
 * judgement, and the step's frames' statistics (complete once the run has drained).
 *
 * @param firstSequence the first frame of the step; {@code endSequence} is one past its last
 */
record StepResult(String label, double offeredFps, double seconds, double achievedFps, double outcomesFps,
    long backlogStart, long backlogEnd, LagJudge.Verdict lag, long firstSequence, long endSequence,
    Collector.StepStats stats) {}
