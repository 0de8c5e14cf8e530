package dev.advmon.campaign;

/**
 * The time campaign windows are judged by, for the cameras of one task: the newest frame timestamp it has seen
 * (bounded ahead by the wall clock), moving on with the wall clock while no newer frame comes.
 *
 * <p>Why not the wall clock alone: after an outage or a restart a task reads a backlog of minutes at a thousand
 * frames a second. Bounded by the wall clock, every frame of it would count in one window (the lower bound), so a
 * campaign that ran while the monitor was down would be one hot window, never three. By the newest frame seen, the
 * backlog's windows are counted as they happened. Why not that alone: a task whose cameras all go quiet would never
 * see its last windows judged; so, while no frame newer than the newest comes, this clock runs on with the wall clock.
 */
public final class EventClock {

  private final long maxClockSkewMs;
  private final long startedAt;
  private long newest = -1; // newest bounded frame timestamp seen; -1 = none yet
  private long seenAt; // wall clock when that frame was seen (not when an older one was)

  /** {@code startedAt}: the wall clock when the task started. */
  public EventClock(long maxClockSkewMs, long startedAt) {
    this.maxClockSkewMs = maxClockSkewMs;
    this.startedAt = startedAt;
    this.seenAt = startedAt;
  }

  /**
   * A frame stamped {@code timestampMs} seen at wall clock {@code wallMs}; returns the clock's time, which the
   * tracker bounds that frame's timestamp by. A timestamp ahead of the wall clock by more than the skew counts at
   * that bound (a frame stamped 2100 must not drag the clock along).
   */
  public long frame(long timestampMs, long wallMs) {
    long bounded = bounded(timestampMs, wallMs);
    if (bounded > newest) {
      newest = bounded;
      // only a frame that moves the clock on restarts its wall-clock run: frames older than the newest (a camera
      // whose clock jumped back, the task's only camera rebooted at 1970) would otherwise hold the clock still, and
      // that camera's window, closed neither by its frames nor by the clock, would count every frame for ever
      seenAt = wallMs;
    }
    return newest;
  }

  /**
   * {@code timestampMs} bounded to at most the skew ahead of the wall clock {@code wallMs}: the time a frame counts at
   * (the tracker bounds it again around this clock's time, which may be behind the wall clock while a backlog is read;
   * bounded by that alone, a frame stamped 2100 counted the skew ahead of a clock already the skew ahead).
   */
  public long bounded(long timestampMs, long wallMs) {
    return Math.min(timestampMs, Saturating.plus(wallMs, maxClockSkewMs));
  }

  /**
   * Moves the clock on to {@code reachedMs} at wall clock {@code wallMs}, if it is not there yet: a time the clock is
   * known to have reached before (a camera's restored window opens at most {@code maxClockSkewMs} ahead of the
   * clock that opened it). Without it, after a restart, the first frames of a task whose cameras' clocks jumped back
   * (a reboot to 1970) would set this clock decades behind the restored windows, which it would then never close.
   * Never turns the clock back.
   */
  public void reached(long reachedMs, long wallMs) {
    if (reachedMs > newest && (newest < 0 || reachedMs > newest + Math.max(0, wallMs - seenAt))) {
      newest = reachedMs;
      seenAt = wallMs;
    }
  }

  /**
   * The clock's time at wall clock {@code wallMs}, for closing windows of quiet cameras: the newest frame plus the
   * wall time since it was seen, never ahead of the wall clock. {@link Long#MIN_VALUE} (close nothing) until the
   * task has seen a frame or has been idle for the skew since it started, so that windows restored from before a
   * restart are not closed before the backlog that belongs in them is read.
   */
  public long now(long wallMs) {
    if (newest < 0) {
      return wallMs - startedAt > maxClockSkewMs ? wallMs : Long.MIN_VALUE;
    }
    return Math.min(wallMs, newest + Math.max(0, wallMs - seenAt));
  }
}
